package io.subutai.p2p.itests;

import static io.subutai.p2p.itests.Lab.ok;
import static io.subutai.p2p.itests.Lab.pings;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Members on different LANs, routed through a "public" namespace that runs the bootstrap server
 * (`p2p dht-server`): LAN beacons cannot cross, so the members find each other only through the
 * server, then connect directly. Needs root and ping.
 */
class DhtMeshProcessTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    final Lab lab = new Lab();
    private Netns pub;

    @BeforeAll
    static void needs() {
        Lab.needs("DhtMeshProcessTest", "ping");
    }

    /**
     * A "public" namespace that forwards between n member namespaces, each on a LAN of its own
     * (10.10.i.2/24, router 10.10.i.1), with the bootstrap server listening in it on :6881.
     * Returns the members' namespaces.
     */
    private List<Netns> routedLans(int n) throws Exception {
        pub = lab.namespace("pub");
        ok(Netns.exec(pub.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "forwarding");
        List<Netns> members = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Netns member = lab.namespace("m" + i);
            members.add(member);
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
        lab.bootstrapServer(pub, "dht.log");
        return members;
    }

    /** Starts network {@code hash} on daemons in the first two namespaces, 10.62.0.1 and .2, and waits until they ping; the first. */
    private TestDaemon twoMembersMeet(List<Netns> m, String hash) throws Exception {
        for (int i = 1; i <= 2; i++) {
            ok(lab.daemon(m.get(i - 1), i).p2p("start", "-ip", "10.62.0." + i, "-hash", hash, "-key", "k", "-dht",
                    "10.10." + i + ".1:6881"), "start " + i);
        }
        TestDaemon first = lab.daemons.get(0);
        Await.require(() -> pings(m.get(1), "10.62.0.1"), Duration.ofSeconds(30),
                () -> "no ping through a bootstrap-introduced peer:\n" + first.logQuietly());
        return first;
    }

    @Test
    void membersOnDifferentLansMeetThroughTheBootstrapServerAndConnectDirectly() throws Exception {
        List<Netns> m = routedLans(2);
        long t0 = System.nanoTime();
        TestDaemon first = twoMembersMeet(m, "over-the-dht");
        System.out.println("start -> first ping through the bootstrap server: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        String peers = first.p2p("show", "-hash", "over-the-dht").out();
        assertTrue(peers.contains("\t10.62.0.2\t10.10.2.2:"), "reached directly at its address: " + peers);
        assertTrue(first.logQuietly().contains("sees this node as 10.10.1.2:"), first.logQuietly());

        // the tunnel does not need the server
        Process server = lab.bootstrapServerProcess();
        server.destroy();
        assertTrue(server.waitFor(5, TimeUnit.SECONDS));
        ok(Netns.exec(m.get(1).wrap(List.of("ping", "-c", "3", "-i", "0.2", "10.62.0.1"))), "the tunnel outlives the server");

        // a restarted server knows the members again from their next refresh
        lab.bootstrapServer(pub, "dht2.log");
        long restarted = System.nanoTime();
        Await.require(() -> {
            try {
                return Files.readString(lab.tmp.resolve("dht2.log")).split("registered from", -1).length == 3;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(15), () -> "the members did not register again with the restarted server");
        long registered = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
        System.out.println("restarted server -> both members registered again: " + registered + " ms");
        assertTrue(registered < 10_500, "within 10 s: the refresh interval (8 s) and a retry (2 s): " + registered);
        TestDaemon second = lab.daemons.get(1);
        ok(second.p2p("stop", "-hash", "over-the-dht"), "stop 2");
        ok(second.p2p("start", "-ip", "10.62.0.2", "-hash", "over-the-dht", "-key", "k", "-dht", "10.10.2.1:6881"),
                "start 2 again");
        long t1 = System.nanoTime();
        Await.require(() -> pings(m.get(1), "10.62.0.1"), Duration.ofSeconds(25),
                () -> "member 2 did not meet member 1 again:\n" + first.logQuietly());
        System.out.println("a member that restarted its network meets the other again after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) + " ms");
    }

    @Test
    void anOutsiderCannotPointMembersAtAVictimAndAnUnpinnedServerKeyIsPinnedInTheSaveFile() throws Exception {
        List<Netns> m = routedLans(2);
        TestDaemon first = twoMembersMeet(m, "outsiders");

        java.util.regex.Matcher key = java.util.regex.Pattern.compile("-dht HOST:PORT@([0-9a-f]{64})").matcher(lab.log("dht.log"));
        assertTrue(key.find(), "the server prints its key: " + lab.log("dht.log"));
        String pinned = "10.10.1.1:6881@" + key.group(1);
        Await.require(() -> {
            try {
                return Files.readString(first.state.resolve("p2p.save")).contains(pinned);
            } catch (java.io.IOException e) {
                return false;
            }
        },
                Duration.ofSeconds(10), () -> "the save file does not pin the server's key:\n" + first.logQuietly());

        java.util.regex.Matcher id = java.util.regex.Pattern.compile("UDP port of network ([0-9a-f]+):").matcher(first.log());
        assertTrue(id.find(), first.logQuietly());
        // the outsider knows the network id, not the secret: for 20 s it registers the members' keys with
        // its own socket as their endpoint, and asks the server to forget them
        List<String> outsider = List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Outsider.class.getName(), "10.10.1.1:6881", id.group(1), "10.10.1.1", "20");
        Netns.Result r = Netns.exec(pub.wrap(outsider));
        System.out.println("outsider: " + r.out().strip());
        assertTrue(r.out().contains("FROM-OTHERS 0 KEYS 2"), "it learned both keys, and no member sent it anything: " + r.out()
                + r.err() + "\n" + first.logQuietly());
        assertTrue(pings(m.get(1), "10.62.0.1"), "the members still reach each other");
        String debug = first.p2p("debug").out();
        assertTrue(java.util.regex.Pattern.compile("Member records: \\d+ verified, [1-9]\\d* dropped").matcher(debug).find(),
                "its record was dropped by the members: " + debug);
    }

    @Test
    void automaticAddressesComeFromTheServerAreDistinctAndStayAcrossARestart() throws Exception {
        List<Netns> m = routedLans(3);
        String[] ips = {"10.63.0.1/24", "dhcp", "auto"};
        for (int i = 1; i <= 3; i++) {
            ok(lab.daemon(m.get(i - 1), i).p2p("start", "-ip", ips[i - 1], "-hash", "auto-ip", "-key", "k", "-dht",
                    "10.10." + i + ".1:6881"), "start " + i);
        }
        String[] got = new String[4];
        for (int i = 2; i <= 3; i++) {
            got[i] = Lab.handedOut(lab.daemons.get(i - 1), "auto-ip", "10\\.63\\.0\\.\\d+");
            String link = Netns.exec(m.get(i - 1).wrap(List.of("ip", "-4", "addr", "show", "vptp1"))).out();
            assertTrue(link.contains("inet " + got[i] + "/24"), "the interface has it: " + link);
        }
        System.out.println("handed out: " + got[2] + " and " + got[3]);
        assertTrue(!got[2].equals(got[3]) && !got[2].equals("10.63.0.1") && !got[3].equals("10.63.0.1"),
                "distinct, and not the fixed member's: " + got[2] + " " + got[3]);
        Await.require(() -> pings(m.get(1), "10.63.0.1") && pings(m.get(2), got[2]), Duration.ofSeconds(20),
                () -> "the members with handed-out addresses are not reachable:\n" + lab.daemons.get(1).logQuietly());

        // a restart of the daemon keeps the address: it asks for the one it had
        lab.daemons.get(1).close();
        TestDaemon again = lab.daemon(m.get(1), 2);
        Await.require(() -> pings(m.get(2), got[2]), Duration.ofSeconds(30),
                () -> "the restarted member did not come back with its address:\n" + again.logQuietly());
        assertTrue(again.p2p("show").out().contains("\t" + got[2] + "\tauto-ip\n"), again.p2p("show").out());
    }
}
