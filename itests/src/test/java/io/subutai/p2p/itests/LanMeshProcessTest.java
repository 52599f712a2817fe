package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The encrypted L2 mesh on a LAN, end to end: namespaces on one bridge (the LAN), each running
 * the distribution's daemon, which find each other by LAN beacons with no server and connect.
 * Needs root, ping, iperf3 and tcpdump (.ci/setup installs them).
 */
class LanMeshProcessTest {

    /** What every ping carries, to look for on the LAN: it must never be seen there. */
    private static final String PATTERN = "7032705f706c61696e";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final List<Netns> namespaces = new ArrayList<>();
    private final List<TestDaemon> daemons = new ArrayList<>();
    private String bridge;

    @BeforeAll
    static void needs() {
        boolean ok = Netns.isRoot() && Files.isExecutable(Path.of("/usr/bin/ping"))
                && Files.isExecutable(Path.of("/usr/bin/iperf3")) && Files.isExecutable(Path.of("/usr/bin/tcpdump"));
        if (!ok) {
            System.err.println("\n*** SKIPPED: LanMeshProcessTest needs root, ping, iperf3 and tcpdump (.ci/setup). ***\n");
        }
        assumeTrue(ok, "LanMeshProcessTest needs root, ping, iperf3 and tcpdump");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (TestDaemon d : daemons) {
            d.close();
        }
        for (Netns ns : namespaces) {
            ns.close();
        }
        if (bridge != null) {
            Netns.exec(List.of("ip", "link", "del", bridge));
        }
    }

    /** n namespaces with eth0 on one bridge, 192.168.77.i/24, each with a daemon. */
    private void lan(int n) throws Exception {
        lan(n, true);
    }

    /** n namespaces with eth0 on one bridge, with 192.168.77.i/24 or (ipv4 false) IPv6 link-local addresses only. */
    private void lan(int n, boolean ipv4) throws Exception {
        bridge = "p2pt-br" + Integer.toHexString((int) (System.nanoTime() & 0xfff));
        run("ip", "link", "add", bridge, "type", "bridge", "mcast_snooping", "0");
        run("ip", "link", "set", bridge, "up");
        for (int i = 1; i <= n; i++) {
            Netns ns = Netns.create("lan" + i);
            namespaces.add(ns);
            String veth = bridge + "v" + i;
            run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns.name());
            run("ip", "link", "set", veth, "master", bridge, "up");
            if (ipv4) {
                ns.ip("addr", "add", "192.168.77." + i + "/24", "dev", "eth0");
            } else {
                // usable at once: no duplicate address detection on this test LAN
                assertEquals(0, Netns.exec(ns.wrap(List.of("sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=0"))).code());
            }
            ns.ip("link", "set", "eth0", "up");
            TestDaemon d = new TestDaemon(ns, P2pOptions.dist().resolve("bin/p2p"), tmp.resolve("state" + i), 52523);
            daemons.add(d);
            d.start();
        }
    }

    private static void run(String... cmd) throws Exception {
        Netns.Result r = Netns.exec(List.of(cmd));
        assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r.err());
    }

    private boolean ping(int from, String ip) throws Exception {
        return ping(from, ip, "1");
    }

    private boolean ping(int from, String ip, String wait) throws Exception {
        return Netns.exec(namespaces.get(from).wrap(List.of("ping", "-c", "1", "-W", wait, "-p", PATTERN, ip))).code() == 0;
    }

    @Test
    void onALanWithoutIpv4MembersFindEachOtherByIpv6() throws Exception {
        lan(2, false);
        for (int i = 0; i < 2; i++) {
            Netns.Result r = daemons.get(i).p2p("start", "-ip", "10.61.0." + (i + 1), "-hash", "v6-lan", "-key", "k6");
            assertEquals(0, r.code(), r.err());
        }
        Await.require(() -> {
            try {
                return ping(1, "10.61.0.1", "0.2");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20), () -> "no ping over an IPv6-only LAN:\n" + daemons.get(0).logQuietly());
        String peers = daemons.get(0).p2p("show", "-hash", "v6-lan").out();
        assertTrue(peers.contains("\t10.61.0.2\t[fe80:"), "reached by its IPv6 link-local address: " + peers);
    }

    @Test
    void setIpMovesAMemberItsPeersFollowAndARestartKeepsIt() throws Exception {
        lan(2);
        for (int i = 0; i < 2; i++) {
            Netns.Result r = daemons.get(i).p2p("start", "-ip", "10.62.0." + (i + 1), "-hash", "readdress", "-key", "k");
            assertEquals(0, r.code(), r.err());
        }
        Await.require(() -> pingQuietly(1, "10.62.0.1"), Duration.ofSeconds(20),
                () -> "no ping from member 2 to member 1:\n" + daemons.get(0).logQuietly());
        TestDaemon a = daemons.get(0);
        assertEquals(12, a.p2p("set", "-ip", "10.62.0", "-hash", "readdress").code(), "not an address");
        assertEquals(12, a.p2p("set", "-ip", "10.62.0.255", "-hash", "readdress").code(), "the subnet's broadcast");
        assertEquals(4, a.p2p("set", "-ip", "10.62.0.9", "-hash", "nope").code(), "no such network");
        Netns.Result held = a.p2p("set", "-ip", "10.62.0.2", "-hash", "readdress");
        assertEquals(2, held.code(), "the peer's address");
        assertTrue(held.err().contains("10.62.0.2 is held by member"), held.err());

        Netns.Result viaShell = a.p2p("shell", "p2p:set -ip 10.62.0.256 -hash readdress");
        assertEquals(12, viaShell.code(), "p2p:set, inside the daemon: " + viaShell.out() + viaShell.err());
        assertTrue((viaShell.out() + viaShell.err()).contains("Couldn't parse IP 10.62.0.256"), viaShell.out() + viaShell.err());

        Netns.Result moved = a.p2p("set", "-ip", "10.62.0.9", "-hash", "readdress");
        assertEquals(0, moved.code(), moved.err());
        assertEquals("Request for IP change was sent. No errors reported.\n", moved.out());
        String addresses = namespaces.get(0).ip("-4", "-o", "addr", "show", "dev", "vptp1");
        assertTrue(addresses.contains(" 10.62.0.9/24 ") && !addresses.contains("10.62.0.1/"), addresses);
        assertTrue(namespaces.get(0).ip("-6", "-o", "addr", "show", "dev", "vptp1").contains("fe80:"), "its link-local address stays");
        Await.require(() -> pingQuietly(1, "10.62.0.9"), Duration.ofSeconds(10),
                () -> "the peer does not reach the new address:\n" + daemons.get(0).logQuietly());
        Await.require(() -> peersOf(1, "readdress").contains("\t10.62.0.9\t"), Duration.ofSeconds(5),
                () -> "the peer did not learn the new address: " + peersOf(1, "readdress"));
        assertEquals("readdress|10.62.0.9\n", a.p2p("status").out().lines().findFirst().orElse("") + "\n");

        a.kill(); // a crash: what set -ip changed is in the save file already
        a.start();
        Await.require(() -> pingQuietly(1, "10.62.0.9"), Duration.ofSeconds(20),
                () -> "the restarted member lost its new address:\n" + a.logQuietly());
    }

    private String peersOf(int i, String hash) {
        try {
            return daemons.get(i).p2p("show", "-hash", hash).out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private boolean pingQuietly(int from, String ip) {
        try {
            return ping(from, ip, "0.2");
        } catch (Exception e) {
            return false;
        }
    }

    /** The peer with overlay IP {@code ip} in {@code p2p status -json} of daemon {@code i}; a missing node when it is not there. */
    private JsonNode statusJsonPeer(int i, String ip) {
        try {
            Netns.Result r = daemons.get(i).p2p("status", "-json");
            assertEquals(0, r.code(), r.err());
            for (JsonNode network : JSON.readTree(r.out())) {
                for (JsonNode peer : network.path("peers")) {
                    if (ip.equals(peer.path("ip").asText())) {
                        return peer;
                    }
                }
            }
            return JSON.missingNode();
        } catch (Exception e) {
            throw new AssertionError("p2p status -json", e);
        }
    }

    @Test
    void membersOfOneNetworkFindEachOtherAndTalkEncryptedOthersNever() throws Exception {
        lan(3);
        Path pcap = tmp.resolve("lan.pcap");
        Process capture = new ProcessBuilder("tcpdump", "-i", bridge, "-w", pcap.toString(), "-U", "udp")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            for (int i = 0; i < 3; i++) {
                String key = i < 2 ? "the-key" : "another-key";
                Netns.Result r = daemons.get(i).p2p("start", "-ip", "10.60.0." + (i + 1), "-hash", "lan-mesh", "-key", key);
                assertEquals(0, r.code(), r.err());
            }
            long t0 = System.nanoTime();
            Await.require(() -> {
                try {
                    return ping(1, "10.60.0.1", "0.1");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(20), () -> "no ping from member 2 to member 1:\n" + daemons.get(0).logQuietly());
            System.out.println("start -> first ping over the overlay: " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
                    + " ms");
            assertTrue(ping(0, "10.60.0.2"));
            assertEquals("Integrated with 10.60.0.2\n", daemons.get(0).p2p("show", "-hash", "lan-mesh", "-check", "10.60.0.2").out());
            assertEquals(12, daemons.get(0).p2p("show", "-hash", "lan-mesh", "-check", "10.60.0.3").code(),
                    "the member with another key is not integrated");
            assertFalse(ping(0, "10.60.0.3"), "another key: no connection");
            assertFalse(ping(2, "10.60.0.1"));
            assertEquals("Logging level has switched to debug level\n", daemons.get(0).p2p("set", "-log", "DEBUG").out());
            assertEquals(1, daemons.get(0).p2p("set", "-log", "loud").code());
            assertEquals(0, daemons.get(0).p2p("set", "-key", "next-key", "-ttl", "4000000000", "-hash", "lan-mesh").code());
            assertEquals(4, daemons.get(0).p2p("set", "-key", "k", "-hash", "nope").code());
            String status = daemons.get(0).p2p("status").out();
            assertTrue(status.startsWith("lan-mesh|10.60.0.1\n"), status);
            assertTrue(status.contains("|10.60.0.2|State:CONNECTED|Path:lan|\n"), status);
            String json = daemons.get(0).p2p("status", "-hash", "lan-mesh").out();
            assertTrue(json.contains("\t\t\"ip\": \"10.60.0.2\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"lan\""), json);
            String peers = daemons.get(0).p2p("show", "-hash", "lan-mesh").out();
            assertTrue(peers.contains("\t10.60.0.2\t192.168.77.2:") && peers.contains("\tlan\n"), peers);
            String debug = daemons.get(0).p2p("debug").out();
            assertTrue(debug.contains("Hash: lan-mesh\n") && debug.contains("\tState: CONNECTED\n")
                    && debug.contains("\tNetwork: 10.60.0.2 ") && debug.contains(" (lan)\n"), debug);
            // as a script reads it: the peer, connected on a LAN path, with a measured round-trip time
            Await.require(() -> statusJsonPeer(0, "10.60.0.2").path("path").path("rttMicros").asLong(-1) >= 0,
                    Duration.ofSeconds(10), () -> "no measured round-trip time in status -json: " + statusJsonPeer(0, "10.60.0.2"));
            JsonNode peer = statusJsonPeer(0, "10.60.0.2");
            assertEquals("CONNECTED", peer.path("state").asText(), peer.toString());
            assertEquals("LAN", peer.path("path").path("kind").asText(), peer.toString());
            JsonNode debugJson = JSON.readTree(daemons.get(0).p2p("debug", "-json").out());
            assertEquals("lan-mesh", debugJson.path("networks").path(0).path("hash").asText(), debugJson.toString());
            assertFalse(peers.contains("10.60.0.3"), "no peer learned the overlay address of the outsider: " + peers);

            // iperf3 across the overlay
            System.out.println("iperf3 over the overlay: " + Lab.iperfMbits(namespaces.get(0), namespaces.get(1), "10.60.0.1", 2)
                    + " Mbit/s");
        } finally {
            capture.destroy();
            capture.waitFor(5, TimeUnit.SECONDS);
        }
        String lanBytes = HexFormat.of().formatHex(Files.readAllBytes(pcap));
        assertTrue(lanBytes.length() > 10_000, "the capture saw the traffic");
        assertFalse(lanBytes.contains(PATTERN + PATTERN), "a ping's plaintext crossed the LAN");
    }
}
