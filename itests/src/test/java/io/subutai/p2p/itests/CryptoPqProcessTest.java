package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The post-quantum suite as an enterprise adds it to running daemons: {@code p2p:feature-install
 * p2p-crypto-pq} from the extras repository, while traffic flows. Members negotiate (both have
 * it: it is used; one lacks it: the classic suite), a network started with {@code -crypto pq}
 * refuses a classic member and both say why, and a newer version of the feature is installed in
 * place while pings flow, and a broken one rolled back.
 */
class CryptoPqProcessTest {

    private static final String PQ = "noise-ikpsk2-mlkem768";
    private static final String CLASSIC = "noise-ikpsk2";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final Lab lab = new Lab();

    private List<Netns> lan;
    private TestDaemon a;
    private TestDaemon b;

    @BeforeAll
    static void needs() {
        Lab.needs("CryptoPqProcessTest", "ping");
    }

    private void twoDaemons() throws Exception {
        lan = lab.lan(2);
        a = lab.daemon(lan.get(0), 1);
        b = lab.daemon(lan.get(1), 2);
    }

    private static void start(TestDaemon d, int i, String hash, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-ip", "10.73.0." + i + "/24", "-hash", hash, "-key", "pq-key"));
        args.addAll(List.of(more));
        Lab.ok(d.p2p("start", args.toArray(String[]::new)), "start " + hash);
    }

    private static void shell(TestDaemon d, String command) throws Exception {
        Netns.Result r = d.p2p("shell", command);
        Lab.ok(r, command);
        assertFalse(r.out().contains("Exception") || r.out().contains("failed"), command + ": " + r.out());
    }

    /** The suite of the one peer of {@code hash}, as {@code status -json} names it (null: none yet). */
    private static String suite(TestDaemon d, String hash) {
        try {
            JsonNode peers = JSON.readTree(d.p2p("status", "-hash", hash, "-json").out()).get(0).get("peers");
            return peers.isEmpty() || peers.get(0).get("suite").isNull() ? null : peers.get(0).get("suite").asText();
        } catch (Exception e) {
            return "unreadable: " + e;
        }
    }

    private static void awaitSuites(TestDaemon x, TestDaemon y, String hash, String expected) {
        Await.require(() -> expected.equals(suite(x, hash)) && expected.equals(suite(y, hash)), Duration.ofSeconds(20),
                () -> "not both on " + expected + ": " + suite(x, hash) + ", " + suite(y, hash) + "\n" + x.logQuietly());
    }

    @Test
    void membersMoveToThePostQuantumSuiteWhenBothHaveItAndItsUpgradeKeepsTheTrafficFlowing() throws Exception {
        twoDaemons();
        start(a, 1, "hybrid");
        start(b, 2, "hybrid");
        Await.require(() -> Lab.pings(lan.get(0), "10.73.0.2"), Duration.ofSeconds(20), () -> a.logQuietly());
        awaitSuites(a, b, "hybrid", CLASSIC);

        try (Pinger ping = new Pinger(lan.get(0), "10.73.0.2")) {
            assertTrue(ping.awaitMore(50, 10));
            int from = ping.last();
            shell(a, "p2p:feature-install p2p-crypto-pq");
            Await.require(() -> a.logQuietly().contains("refused suite " + PQ), Duration.ofSeconds(10),
                    () -> "b lacks it and said so:\n" + a.logQuietly());
            assertEquals(CLASSIC, suite(a, "hybrid"), "one member has it: the classic suite still");
            shell(b, "p2p:feature-install p2p-crypto-pq");
            awaitSuites(a, b, "hybrid", PQ);
            assertTrue(ping.awaitMore(100, 10));
            System.out.println("both members took up " + PQ + " at run time; longest ping gap " + ping.longestGapMs(from)
                    + " ms");
            assertTrue(ping.longestGapMs(from) <= 1000, "gap " + ping.longestGapMs(from) + " ms");
        }
        assertTrue(a.p2p("debug").out().contains("Crypto suite: " + PQ), a.p2p("debug").out());

        // a vendor's newer version of the feature, installed in place while traffic flows; then a broken one
        Path dir = lab.tmp.resolve("vendor");
        Files.createDirectories(dir);
        Path jar = TestJars.distributed("crypto-pq");
        StringBuilder xml = new StringBuilder("<features name='vendor' xmlns='http://karaf.apache.org/xmlns/features/v1.6.0'>");
        for (String v : List.of("9.1.0", "9.2.0")) {
            Map<String, String> headers = v.equals("9.2.0") ? Map.of("Bundle-Version", v, "Import-Package", "does.not.exist")
                    : Map.of("Bundle-Version", v);
            Path copy = TestJars.copy(jar, dir.resolve("crypto-pq-" + v + ".jar"), headers, c -> c);
            xml.append("<feature name='p2p-crypto-pq' version='").append(v).append("'><bundle>").append(copy.toUri())
                    .append("</bundle></feature>");
        }
        Path repo = dir.resolve("vendor-features.xml");
        Files.writeString(repo, xml.append("</features>").toString());
        shell(a, "p2p:repo-add " + repo.toUri());
        try (Pinger ping = new Pinger(lan.get(0), "10.73.0.2")) {
            assertTrue(ping.awaitMore(50, 10));
            int from = ping.last();
            shell(a, "p2p:feature-install p2p-crypto-pq/9.1.0");
            assertTrue(a.p2p("shell", "lb -s").out().contains("io.subutai.p2p.crypto.pq (9.1.0)"),
                    a.p2p("shell", "lb -s").out());
            Await.require(() -> {
                try {
                    return a.p2p("debug").out().contains("crypto '" + PQ + "' io.subutai.p2p.crypto.pq 0.1.0.SNAPSHOT -> "
                            + "io.subutai.p2p.crypto.pq 9.1.0");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(10), () -> "the upgrade is not recorded as a swap:\n" + a.logQuietly());
            awaitSuites(a, b, "hybrid", PQ);

            Netns.Result broken = a.p2p("shell", "p2p:feature-install p2p-crypto-pq/9.2.0");
            String said = broken.out() + broken.err();
            assertTrue(said.contains("rolled back to 9.1.0"), said);
            assertTrue(a.p2p("shell", "lb -s").out().contains("io.subutai.p2p.crypto.pq (9.1.0)"));
            assertTrue(ping.awaitMore(100, 10), "traffic flows after the rollback");
            System.out.println("feature upgrade 0.1.0 -> 9.1.0 and a rolled-back 9.2.0 while pinging: longest gap "
                    + ping.longestGapMs(from) + " ms, " + ping.lostSince(from) + " lost");
            assertTrue(ping.longestGapMs(from) <= 1000, "gap " + ping.longestGapMs(from) + " ms");
        }
        awaitSuites(a, b, "hybrid", PQ);
    }

    @Test
    void aNetworkThatAcceptsThePostQuantumSuiteOnlyRefusesAClassicMemberAndBothSaySo() throws Exception {
        twoDaemons();
        shell(a, "p2p:feature-install p2p-crypto-pq");
        start(a, 1, "strict", "-crypto", "pq");
        Netns.Result lacking = b.p2p("start", "-ip", "10.73.0.2/24", "-hash", "strict", "-key", "pq-key", "-crypto", "pq");
        assertEquals(91, lacking.code(), lacking.out() + lacking.err());
        assertTrue(lacking.err().contains("install it: p2p:feature-install p2p-crypto-pq"), lacking.err());
        start(b, 2, "strict");
        Await.require(() -> a.logQuietly().contains("with suite " + CLASSIC + ": this network accepts " + PQ + " only")
                && b.logQuietly().contains("with suite " + PQ + ": this node lacks that suite (install feature p2p-crypto-pq"),
                Duration.ofSeconds(20), () -> "both sides say why:\n--- a\n" + a.logQuietly() + "\n--- b\n" + b.logQuietly());
        assertFalse(Lab.pings(lan.get(0), "10.73.0.2"), "never connected");
        assertTrue(a.p2p("debug").out().contains("its network accepts") || b.p2p("debug").out().contains("its network accepts")
                || a.p2p("debug").out().contains("it lacks that suite"), "a peer's history says why too");
    }
}
