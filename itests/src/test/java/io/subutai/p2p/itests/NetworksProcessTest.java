package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Networks on real TAP interfaces, made by the real daemon in a network namespace of the test and
 * checked with {@code ip -j}. Needs root.
 */
class NetworksProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Netns ns;
    private TestDaemon daemon;

    @BeforeAll
    static void needsRoot() {
        if (!Netns.isRoot()) {
            System.err.println("\n*** SKIPPED: NetworksProcessTest needs root (TAP devices, network namespaces). ***\n");
        }
        assumeTrue(Netns.isRoot(), "NetworksProcessTest needs root");
    }

    @BeforeEach
    void setUp() throws Exception {
        ns = Netns.create("net");
        daemon = new TestDaemon(ns, P2pOptions.dist().resolve("bin/p2p"), tmp.resolve("state"),
                ThreadLocalRandom.current().nextInt(20000, 60000));
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
        ns.close();
    }

    @Test
    void startShowAndStopOnRealInterfaces() throws Exception {
        daemon.start("-mtu", "1400");
        Netns.Result a = daemon.p2p("start", "-ip", "10.10.10.1", "-hash", "alpha");
        assertEquals(new Netns.Result(0, "Running new P2P instance for alpha\nLookup finished\nInstance created: alpha\n\n", "", 0),
                new Netns.Result(a.code(), a.out(), "", 0));
        assertTrue(a.err().startsWith("Warning: the network's secret (its hash, as no -key was given) is weak: about ")
                && a.err().lines().count() == 1, "a guessable hash is said to be weak, in one line: " + a.err());
        assertEquals(0, daemon.p2p("start", "-ip", "10.20.0.1/16", "-hash", "beta", "-dev", "betanet",
                "-mac", "06:01:02:03:04:05").code());

        JsonNode vptp1 = link("vptp1");
        assertTrue(vptp1.get("address").asText().matches("06(:[0-9a-f]{2}){5}"), vptp1.toString());
        assertEquals(1400, vptp1.get("mtu").asInt(), "the daemon's -mtu");
        assertEquals("10.10.10.1/24", inet(vptp1));
        assertTrue(vptp1.get("flags").toString().contains("\"UP\""), vptp1.toString());
        JsonNode beta = link("betanet");
        assertEquals("06:01:02:03:04:05", beta.get("address").asText());
        assertEquals("10.20.0.1/16", inet(beta));

        assertEquals(vptp1.get("address").asText() + "\t10.10.10.1\talpha\n06:01:02:03:04:05\t10.20.0.1\tbeta\n",
                daemon.p2p("show").out());
        assertEquals("vptp1\nbetanet\n", daemon.p2p("show", "-interfaces").out());
        assertEquals("alpha|vptp1\nbeta|betanet\n", daemon.p2p("show", "-interfaces", "-bind").out());
        assertEquals("1400\n", daemon.p2p("show", "-mtu").out());
        assertEquals("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n", daemon.p2p("show", "-hash", "alpha").out());
        assertEquals(15, daemon.p2p("show", "-hash", "nope").code());
        assertEquals(12, daemon.p2p("show", "-hash", "alpha", "-check", "10.10.10.2").code());

        assertEquals(119, daemon.p2p("start", "-ip", "10.10.10.9", "-hash", "alpha").code());
        assertEquals(1, daemon.p2p("start", "-ip", "10.30.0.1", "-hash", "gamma", "-dev", "betanet").code());
        assertEquals(13, daemon.p2p("start", "-ip", "10.30.0.1", "-hash", "gamma", "-mac", "zz").code());
        assertEquals(12, daemon.p2p("start", "-ip", "10.30.0.1").code());
        assertEquals(17, daemon.p2p("start", "-ip", "10.30.0.1", "-hash", "a~b").code());
        Netns.Result tooLong = daemon.p2p("start", "-ip", "10.30.0.1", "-hash", "gamma", "-dev", "averylongname");
        assertEquals(91, tooLong.code());
        assertTrue(tooLong.err().endsWith("Failed to validate interface name: Interface name is too big\n"), tooLong.err());
        assertFalse(ns.ip("link").contains("gamma"), "failed starts leave no interface");

        Netns.Result stop = daemon.p2p("stop", "-hash", "alpha");
        assertEquals(0, stop.code(), stop.err());
        assertEquals("Shutting down alpha\n", stop.out());
        assertFalse(ns.ip("link").contains("vptp1"), "stop removes the interface");
        assertEquals("06:01:02:03:04:05\t10.20.0.1\tbeta\n", daemon.p2p("show").out());
        assertEquals(1, daemon.p2p("stop", "-hash", "alpha").code());
        assertEquals("vptp1\nbetanet\n", daemon.p2p("show", "-interfaces", "-all").out());
        assertEquals("Removing vptp1\nRemoved vptp1\n", daemon.p2p("stop", "-dev", "vptp1").out());
        assertEquals(2, daemon.p2p("stop").code());
        String saved = Files.readString(daemon.state.resolve("p2p.save"));
        assertFalse(saved.contains("alpha"));
        assertTrue(saved.contains("hash: beta"));
    }

    @Test
    void aDaemonRestartedAfterACrashAdoptsTheInterfacesItsNetworksLeft() throws Exception {
        daemon.start();
        assertEquals(0, daemon.p2p("start", "-ip", "10.10.10.1", "-hash", "alpha").code());
        assertEquals(0, daemon.p2p("start", "-ip", "10.20.0.1/16", "-hash", "beta", "-dev", "betanet").code());
        ns.ip("route", "add", "10.99.0.0/24", "dev", "betanet");
        Map<String, String> before = interfaces();
        Map<String, Integer> indexes = indexes();
        Path save = daemon.state.resolve("p2p.save");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(save));

        daemon.kill();
        assertEquals(before, interfaces(), "a crash leaves the interfaces as they were (persistent TAPs)");
        long t0 = System.nanoTime();
        daemon.launch();
        Await.require(() -> daemon.logQuietly().contains("Restored 2 of 2 instances"), Duration.ofSeconds(10),
                () -> "not restored:\n" + daemon.logQuietly());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        daemon.awaitApi();
        System.out.println("restore after SIGKILL: both networks back in " + ms + " ms");
        assertTrue(ms <= 2000, "restored in " + ms + " ms, more than 2 s");
        assertEquals(before, interfaces());
        assertEquals(indexes, indexes(), "the same interfaces, taken over, not made anew");
        assertTrue(ns.ip("route").contains("10.99.0.0/24 dev betanet"), "a route through one survived: " + ns.ip("route"));
        assertEquals(2, daemon.p2p("show").out().lines().count());

        assertEquals(0, daemon.p2p("stop", "-hash", "beta").code());
        Await.require(() -> !interfaces().containsKey("betanet"), Duration.ofSeconds(5),
                () -> "a stopped network's persistent interface stayed: " + interfaces());
    }

    /** Every interface but lo, by name, with its index. */
    private Map<String, Integer> indexes() throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        for (JsonNode l : JSON.readTree(ns.ip("-j", "link"))) {
            if (!l.get("ifname").asText().equals("lo")) {
                out.put(l.get("ifname").asText(), l.get("ifindex").asInt());
            }
        }
        return out;
    }

    @Test
    void theSaveFileIsNeverHalfWritten() throws Exception {
        daemon.start();
        // the daemon is killed while it keeps rewriting the save file
        String script = "for i in $(seq 1 40); do " + daemon.bin + " start -rpc-port " + daemon.port
                + " -ip 10.40.$i.1 -hash churn$i >/dev/null 2>&1; done";
        ProcessBuilder pb = new ProcessBuilder(ns.wrap(List.of("bash", "-c", script))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(daemon.env());
        Process churn = pb.start();
        churn.getOutputStream().close();
        Path save = daemon.state.resolve("p2p.save");
        Await.require(() -> saved(save) >= 5, Duration.ofSeconds(60), () -> "the churn did not start networks");
        daemon.kill();
        churn.waitFor(60, TimeUnit.SECONDS);
        int count = saved(save);
        try (var files = Files.list(daemon.state)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".tmp")), "no temporary save file left");
        }
        daemon.start();
        Await.require(() -> daemon.logQuietly().contains("Restored " + count + " of " + count + " instances"),
                Duration.ofSeconds(30), () -> "expected " + count + " restored:\n" + daemon.logQuietly());
        assertFalse(daemon.log().contains("corrupt"), daemon.log());
    }

    @Test
    void theHashIsNeverLoggedOnlyTheNetworkId() throws Exception {
        daemon.start("-log", "DEBUG");
        String hash = "never-in-the-log-4711";
        assertEquals(0, daemon.p2p("start", "-ip", "10.10.10.1", "-hash", hash).code());
        assertEquals(0, daemon.p2p("set", "-key", "another-key-0815", "-hash", hash).code());
        assertEquals(0, daemon.p2p("stop", "-hash", hash).code());
        Await.require(() -> daemon.logQuietly().contains("Instance stopped: network "), Duration.ofSeconds(5),
                () -> daemon.logQuietly());
        String log = daemon.log();
        assertFalse(log.contains(hash), "the hash (the secret when no -key is given) is in the log:\n" + log);
        assertFalse(log.contains("another-key-0815"), log);
        assertTrue(log.matches("(?s).*Instance created: network [0-9a-f]{32}.*"), log);
    }

    @Test
    void theConfigurationsIptoolIsTheOneUsed() throws Exception {
        Path config = tmp.resolve("p2p.yaml");
        Files.writeString(config, "iptool: /nonexistent/ip\nmtu: 1300\n");
        daemon.start("-config", config.toString());
        Netns.Result r = daemon.p2p("start", "-ip", "10.10.10.1", "-hash", "alpha");
        assertEquals(91, r.code());
        assertTrue(r.err().contains("the configured iptool /nonexistent/ip is not an executable"), r.err());
        assertEquals("1300\n", daemon.p2p("show", "-mtu").out());
        assertFalse(ns.ip("link").contains("vptp"), "nothing half-made");
    }

    private static int saved(Path save) {
        try {
            return (int) Files.readAllLines(save).stream().filter(l -> l.startsWith("  hash: churn")).count();
        } catch (Exception e) {
            return 0;
        }
    }

    /** Every TAP-ish interface of the namespace: name to MAC, MTU and addresses. */
    private Map<String, String> interfaces() {
        Map<String, String> out = new TreeMap<>();
        try {
            for (JsonNode l : JSON.readTree(ns.ip("-j", "addr"))) {
                String name = l.get("ifname").asText();
                if (!name.equals("lo")) {
                    out.put(name, l.get("address").asText() + " mtu " + l.get("mtu").asInt() + " " + inet(l));
                }
            }
        } catch (Exception e) {
            out.put("error", e.toString());
        }
        return out;
    }

    private JsonNode link(String name) throws Exception {
        return JSON.readTree(ns.ip("-j", "addr", "show", "dev", name)).get(0);
    }

    private static String inet(JsonNode link) {
        for (JsonNode a : link.get("addr_info")) {
            if (a.get("family").asText().equals("inet")) {
                return a.get("local").asText() + "/" + a.get("prefixlen").asInt();
            }
        }
        return "";
    }
}
