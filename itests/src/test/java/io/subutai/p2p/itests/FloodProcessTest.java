package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flood (docs/protocol.md §4.6), end to end: two members on a veth LAN with a tunnel
 * carrying a ping every 10 ms; a flooder in a namespace of its own sends 10 000 garbage
 * initiations a second from 1 000 source addresses at one of them while a third member joins.
 * The newcomer must be connected within 2 s and the tunnel must lose no ping; the same again with
 * initiations made for the flooded member's key. Prints the figures:
 * what the flooder sent, the join time, the flooded daemon's CPU.
 */
class FloodProcessTest {

    private static final String HASH = "flood";
    private static final int SOURCES = 1_000;
    private static final int PER_SECOND = 10_000;
    private static final int SECONDS = 8;

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeAll
    static void needs() {
        Lab.needs("FloodProcessTest", "ping");
    }

    @Test
    void aNewMemberJoinsWithinTwoSecondsAndTheTunnelLosesNothingUnderAFloodOfGarbageInitiations() throws Exception {
        String sent = floodWhileAMemberJoins(false);
        assertTrue(sent.endsWith(" 0 cookie replies came back"), "garbage is dropped unanswered: " + sent);
    }

    /**
     * The same with initiations that carry a valid mac1 (the attacker read member 1's key from its
     * LAN beacon): member 1 goes under load and answers them with cookies, and still the newcomer
     * joins within 2 s (with a cookie of its own, when it is the one that initiates).
     */
    @Test
    void aNewMemberJoinsWithinTwoSecondsUnderAFloodOfInitiationsMadeForTheMembersKey() throws Exception {
        String sent = floodWhileAMemberJoins(true);
        Matcher cookies = Pattern.compile(" (\\d+) cookie replies came back").matcher(sent);
        assertTrue(cookies.find() && Long.parseLong(cookies.group(1)) > PER_SECOND, "member 1 answered with cookies: " + sent);
    }

    /** The scenario; returns the flooder's last line (what it sent, and the cookies that came back). */
    private String floodWhileAMemberJoins(boolean mac1) throws Exception {
        List<Netns> ns = lab.lan(3);
        List<TestDaemon> d = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            d.add(lab.daemon(ns.get(i), i + 1));
        }
        for (int i = 0; i < 2; i++) {
            Netns.Result r = d.get(i).p2p("start", "-ip", "10.60.0." + (i + 1), "-hash", HASH, "-key", "flood-key");
            assertEquals(0, r.code(), r.err());
        }
        Await.require(() -> Lab.pings(ns.get(1), "10.60.0.1"), Duration.ofSeconds(20),
                () -> "members 1 and 2 never connected:\n" + d.get(0).logQuietly());
        Matcher port = Pattern.compile("192\\.168\\.77\\.1:(\\d+)").matcher(d.get(1).p2p("show", "-hash", HASH).out());
        assertTrue(port.find(), "member 1's port, as member 2 sees it");

        Netns flooder = lab.joinLan(4);
        Path batch = lab.tmp.resolve("sources.batch");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < SOURCES; i++) {
            int a = 1 + i;
            lines.append("addr add 10.77.").append(a >> 8).append('.').append(a & 255).append("/32 dev eth0\n");
        }
        Files.writeString(batch, lines);
        Lab.ok(Netns.exec(List.of("ip", "-n", flooder.name(), "-batch", batch.toString())), "1000 source addresses");
        ns.get(0).ip("route", "add", "10.77.0.0/16", "dev", "eth0"); // the way back, for reverse-path filters

        try (Pinger tunnel = new Pinger(ns.get(1), "10.60.0.1")) {
            assertTrue(tunnel.awaitMore(50, 10), "the tunnel carries pings");
            int fromSeq = tunnel.last() + 1;
            ProcessHandle daemon1 = java(d.get(0));
            long cpuBefore = cpuMillis(daemon1);
            long udpBefore = udpIn(ns.get(0));
            Path flooderLog = lab.tmp.resolve("flooder.log");
            String classPath = Path.of(Flooder.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    + java.io.File.pathSeparator + bouncyCastle();
            String java = ProcessHandle.current().info().command().orElse("java");
            Process flood = new ProcessBuilder(flooder.wrap(List.of(java, "-cp", classPath, Flooder.class.getName(),
                    "192.168.77.1", port.group(1), "10.77.0.1", Integer.toString(SOURCES), Integer.toString(PER_SECOND),
                    Integer.toString(SECONDS), mac1 ? "mac1" : "garbage"))).redirectErrorStream(true)
                    .redirectOutput(flooderLog.toFile()).start();
            long floodStart = System.nanoTime();
            try {
                Await.require(() -> udpIn(ns.get(0)) - udpBefore >= PER_SECOND, Duration.ofSeconds(10),
                        () -> "the flood does not reach member 1: " + lab.log("flooder.log"));
                long started = System.nanoTime();
                Netns.Result r = d.get(2).p2p("start", "-ip", "10.60.0.3", "-hash", HASH, "-key", "flood-key");
                assertEquals(0, r.code(), r.err());
                long startReturned = System.nanoTime();
                Await.require(() -> Lab.pings(ns.get(2), "10.60.0.1"), Duration.ofSeconds(10),
                        () -> "the new member never reached member 1:\n" + d.get(2).logQuietly());
                long joinedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startReturned);
                System.out.println((mac1 ? "with mac1" : "garbage") + " flood: the new member's start took " + TimeUnit.NANOSECONDS.toMillis(startReturned - started)
                        + " ms; then its first ping through member 1 came " + joinedMs + " ms later");
                assertTrue(joinedMs <= 2_000, "the new member was connected within 2 s: " + joinedMs + " ms");
            } finally {
                assertTrue(flood.waitFor(SECONDS + 20, TimeUnit.SECONDS), "the flooder ends");
            }
            long floodMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - floodStart);
            long cpu = cpuMillis(daemon1) - cpuBefore;
            String sent = Files.readString(flooderLog).strip();
            System.out.println((mac1 ? "with mac1: " : "garbage: ") + sent + "; member 1 received " + (udpIn(ns.get(0)) - udpBefore) + " UDP datagrams and used "
                    + cpu + " ms of CPU in " + floodMs + " ms (" + (100 * cpu / Math.max(1, floodMs)) + "% of one core)");
            assertTrue(sent.contains("sent"), sent);
            assertTrue(tunnel.awaitMore(20, 5), "the tunnel still carries pings");
            int lost = tunnel.lostSince(fromSeq);
            System.out.println("tunnel: " + (tunnel.last() - fromSeq + 1) + " pings during the flood, " + lost
                    + " lost, longest gap " + tunnel.longestGapMs(fromSeq) + " ms");
            assertEquals(0, lost, "the existing tunnel lost pings during the flood");
            return sent;
        }
    }

    /** The BouncyCastle jar of the distribution (the flooder's BLAKE2s). */
    private static Path bouncyCastle() throws java.io.IOException {
        try (java.util.stream.Stream<Path> jars = Files.walk(P2pOptions.dist().resolve("system/org/bouncycastle"))) {
            return jars.filter(j -> j.getFileName().toString().matches("bcprov-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no bcprov jar in the distribution"));
        }
    }

    /** The daemon's JVM (a descendant of the process the test started). */
    private static ProcessHandle java(TestDaemon d) {
        return d.process().toHandle().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().orElse(d.process().toHandle());
    }

    private static long cpuMillis(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    }

    /** UDP datagrams the namespace's kernel took in (/proc/net/snmp, Udp InDatagrams plus InErrors). */
    private static long udpIn(Netns ns) {
        try {
            String[] lines = Netns.exec(ns.wrap(List.of("cat", "/proc/net/snmp"))).out().split("\n");
            for (int i = 0; i + 1 < lines.length; i++) {
                if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
                    String[] names = lines[i].split(" ");
                    String[] values = lines[i + 1].split(" ");
                    long n = 0;
                    for (int k = 1; k < names.length; k++) {
                        if (names[k].equals("InDatagrams") || names[k].equals("InErrors")) {
                            n += Long.parseLong(values[k]);
                        }
                    }
                    return n;
                }
            }
            return 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
