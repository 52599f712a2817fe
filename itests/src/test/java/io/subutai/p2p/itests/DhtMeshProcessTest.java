package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members on two different LANs, routed through a "public" namespace that runs the bootstrap
 * server (`p2p dht-server`): LAN beacons cannot cross, so the members find each other only
 * through the server, then connect directly. Needs root and ping.
 */
class DhtMeshProcessTest {

    @TempDir
    Path tmp;

    private final List<Netns> namespaces = new ArrayList<>();
    private final List<TestDaemon> daemons = new ArrayList<>();
    private Process server;

    @BeforeAll
    static void needs() {
        boolean ok = Netns.isRoot() && Files.isExecutable(Path.of("/usr/bin/ping"));
        if (!ok) {
            System.err.println("\n*** SKIPPED: DhtMeshProcessTest needs root and ping (.ci/setup). ***\n");
        }
        assumeTrue(ok, "DhtMeshProcessTest needs root and ping");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (TestDaemon d : daemons) {
            d.close();
        }
        if (server != null) {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
        for (Netns ns : namespaces) {
            ns.close();
        }
    }

    private boolean pings(int from, String ip) {
        try {
            return Netns.exec(namespaces.get(from).wrap(List.of("ping", "-c", "1", "-W", "0.2", ip))).code() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static void ok(Netns.Result r, String what) {
        assertEquals(0, r.code(), what + ": " + r.err() + r.out());
    }

    /**
     * A "public" namespace that forwards between n member namespaces, each on a LAN of its own
     * (10.10.i.2/24, router 10.10.i.1), with the bootstrap server listening in it on :6881.
     */
    private void routedLans(int n) throws Exception {
        Netns pub = Netns.create("pub");
        namespaces.add(pub);
        ok(Netns.exec(pub.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "forwarding");
        for (int i = 1; i <= n; i++) {
            Netns member = Netns.create("m" + i);
            namespaces.add(member);
            String link = "p2pt-d" + i + Integer.toHexString((int) (System.nanoTime() & 0xfff));
            ok(Netns.exec(List.of("ip", "link", "add", link, "netns", pub.name(), "type", "veth", "peer", "name", "eth0",
                    "netns", member.name())), "veth");
            pub.ip("addr", "add", "10.10." + i + ".1/24", "dev", link);
            pub.ip("link", "set", link, "up");
            member.ip("addr", "add", "10.10." + i + ".2/24", "dev", "eth0");
            member.ip("link", "set", "eth0", "up");
            member.ip("link", "set", "lo", "up");
            member.ip("route", "add", "default", "via", "10.10." + i + ".1");
        }
        server = new ProcessBuilder(pub.wrap(List.of(P2pOptions.dist().resolve("bin/p2p").toString(), "dht-server", "-listen",
                ":6881"))).redirectErrorStream(true).redirectOutput(tmp.resolve("dht.log").toFile()).start();
        Await.require(() -> {
            try {
                return Files.readString(tmp.resolve("dht.log")).contains("listening");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> "the bootstrap server did not start");
    }

    @Test
    void membersOnDifferentLansMeetThroughTheBootstrapServerAndConnectDirectly() throws Exception {
        routedLans(2);
        for (int i = 1; i <= 2; i++) {
            TestDaemon d = new TestDaemon(namespaces.get(i), P2pOptions.dist().resolve("bin/p2p"), tmp.resolve("state" + i), 52523);
            daemons.add(d);
            d.start();
            ok(d.p2p("start", "-ip", "10.62.0." + i, "-hash", "over-the-dht", "-key", "k", "-dht", "10.10." + i + ".1:6881"),
                    "start " + i);
        }
        long t0 = System.nanoTime();
        Await.require(() -> pings(2, "10.62.0.1"), Duration.ofSeconds(30),
                () -> "no ping through a bootstrap-introduced peer:\n" + daemons.get(0).logQuietly());
        System.out.println("start -> first ping through the bootstrap server: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        String peers = daemons.get(0).p2p("show", "-hash", "over-the-dht").out();
        assertTrue(peers.contains("\t10.62.0.2\t10.10.2.2:"), "reached directly at its address: " + peers);
        assertTrue(daemons.get(0).logQuietly().contains("sees this node as 10.10.1.2:"), daemons.get(0).logQuietly());

        // the tunnel does not need the server
        server.destroy();
        assertTrue(server.waitFor(5, TimeUnit.SECONDS));
        assertEquals(0, Netns.exec(namespaces.get(2).wrap(List.of("ping", "-c", "3", "-i", "0.2", "10.62.0.1"))).code(),
                "the tunnel outlives the bootstrap server");

        // a restarted server knows the members again from their next refresh (every 10 s)
        server = new ProcessBuilder(namespaces.get(0).wrap(List.of(P2pOptions.dist().resolve("bin/p2p").toString(),
                "dht-server", "-listen", ":6881"))).redirectErrorStream(true).redirectOutput(tmp.resolve("dht2.log").toFile())
                .start();
        long restarted = System.nanoTime();
        Await.require(() -> {
            try {
                return Files.readString(tmp.resolve("dht2.log")).split("registered from", -1).length == 3;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(15), () -> "the members did not register again with the restarted server");
        long registered = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
        System.out.println("restarted server -> both members registered again: " + registered + " ms");
        assertTrue(registered < 10_500, "within 10 s: the refresh interval (8 s) and a retry (2 s): " + registered);
        ok(daemons.get(1).p2p("stop", "-hash", "over-the-dht"), "stop 2");
        ok(daemons.get(1).p2p("start", "-ip", "10.62.0.2", "-hash", "over-the-dht", "-key", "k", "-dht", "10.10.2.1:6881"),
                "start 2 again");
        long t1 = System.nanoTime();
        Await.require(() -> pings(2, "10.62.0.1"), Duration.ofSeconds(25),
                () -> "member 1 did not register again with the restarted server:\n" + daemons.get(0).logQuietly());
        System.out.println("a member that restarted its network meets the other again after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) + " ms");
    }

    @Test
    void automaticAddressesComeFromTheServerAreDistinctAndStayAcrossARestart() throws Exception {
        routedLans(3);
        String[] ips = {"10.63.0.1/24", "dhcp", "auto"};
        for (int i = 1; i <= 3; i++) {
            TestDaemon d = new TestDaemon(namespaces.get(i), P2pOptions.dist().resolve("bin/p2p"), tmp.resolve("state" + i), 52523);
            daemons.add(d);
            d.start();
            ok(d.p2p("start", "-ip", ips[i - 1], "-hash", "auto-ip", "-key", "k", "-dht", "10.10." + i + ".1:6881"),
                    "start " + i);
        }
        String[] got = new String[4];
        for (int i = 2; i <= 3; i++) {
            TestDaemon d = daemons.get(i - 1);
            Await.require(() -> {
                try {
                    return d.p2p("show").out().matches("(?s).*\\t10\\.63\\.0\\.\\d+\\tauto-ip\\n.*");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(20), () -> "no address handed out:\n" + d.logQuietly());
            got[i] = d.p2p("show").out().replaceAll("(?s).*\\t(10\\.63\\.0\\.\\d+)\\tauto-ip\\n.*", "$1");
            String link = Netns.exec(namespaces.get(i).wrap(List.of("ip", "-4", "addr", "show", "vptp1"))).out();
            assertTrue(link.contains("inet " + got[i] + "/24"), "the interface has it: " + link);
        }
        System.out.println("handed out: " + got[2] + " and " + got[3]);
        assertTrue(!got[2].equals(got[3]) && !got[2].equals("10.63.0.1") && !got[3].equals("10.63.0.1"),
                "distinct, and not the fixed member's: " + got[2] + " " + got[3]);
        Await.require(() -> pings(2, "10.63.0.1") && pings(3, got[2]), Duration.ofSeconds(20),
                () -> "the members with handed-out addresses are not reachable:\n" + daemons.get(1).logQuietly());

        // a restart of the daemon keeps the address: it asks for the one it had
        daemons.get(1).close();
        TestDaemon again = new TestDaemon(namespaces.get(2), P2pOptions.dist().resolve("bin/p2p"), tmp.resolve("state2"), 52523);
        daemons.set(1, again);
        again.start();
        Await.require(() -> pings(3, got[2]), Duration.ofSeconds(30),
                () -> "the restarted member did not come back with its address:\n" + again.logQuietly());
        assertTrue(again.p2p("show").out().contains("\t" + got[2] + "\tauto-ip\n"), again.p2p("show").out());
    }
}
