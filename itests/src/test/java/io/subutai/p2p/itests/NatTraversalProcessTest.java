package io.subutai.p2p.itests;

import static io.subutai.p2p.itests.Lab.ok;
import static io.subutai.p2p.itests.Lab.pings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Members behind NAT routers made with nftables: each member's LAN (192.168.i.0/24) reaches a
 * "public" namespace through its own router, which translates it to 198.18.i.2. The bootstrap
 * server and a relay run in the public namespace, which counts the bytes arriving at the relay:
 * a pair that must be direct may send the relay next to nothing while iperf3 runs. Needs root,
 * ping, nft and iperf3. Prints one line per NAT pair after the class.
 */
class NatTraversalProcessTest {

    /** The relay's UDP port. */
    private static final int RELAY_PORT = 6882;
    /** The UDP port a member behind a full cone NAT is started with, and its router forwards. */
    private static final int FULL_CONE_PORT = 6000;
    /** What the relay may receive during iperf3 on a direct path: allocation refreshes and path probes. */
    private static final long RELAY_IDLE_BYTES = 64 * 1024;
    private static final List<String> RESULTS = new CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.extension.RegisterExtension
    final Lab lab = new Lab();

    private Netns pub;

    @BeforeAll
    static void needs() {
        Lab.needs("NatTraversalProcessTest", "ping", "nft", "iperf3");
    }

    @AfterAll
    static void printResults() {
        // first ping: ms from the second member's start until member 2 pings member 1
        System.out.println(String.format("%n%-45s | %-6s | %-20s | %s", "NAT pair", "path", "start->first ping ms",
                "iperf3 Mbit/s"));
        RESULTS.forEach(System.out::println);
    }

    /** The NAT behaviours a router here can have. */
    enum Nat {
        FULL_CONE("full cone"), PORT_RESTRICTED_CONE("port-restricted cone"), SYMMETRIC_RANDOM("symmetric (random)");

        final String label;

        Nat(String label) {
            this.label = label;
        }

        /** The nft rules that make router {@code i} (LAN 192.168.i.0/24, member at .2) this NAT. */
        String rules(int i) {
            String fromWanNew = "add rule ip filter through iifname \"wan\" ct state new drop";
            return switch (this) {
                // the member's fixed port, forwarded: the port kept on the way out, one mapping for every
                // destination (endpoint-independent mapping), and anyone outside may send to it
                // (endpoint-independent filtering)
                case FULL_CONE -> "add rule ip nat post oifname \"wan\" masquerade persistent; "
                        + "add rule ip nat pre iifname \"wan\" udp dport " + FULL_CONE_PORT + " dnat to 192.168." + i + ".2; "
                        + "add rule ip filter through iifname \"wan\" ip daddr 192.168." + i + ".2 udp dport "
                        + FULL_CONE_PORT + " accept; " + fromWanNew;
                // Linux masquerading: the source port kept, one mapping for every destination; replies only
                // from where it sent
                case PORT_RESTRICTED_CONE -> "add rule ip nat post oifname \"wan\" masquerade persistent; " + fromWanNew;
                // a new random port for every destination: what the server sees is of no use to a peer
                case SYMMETRIC_RANDOM -> "add rule ip nat post oifname \"wan\" masquerade fully-random; " + fromWanNew;
            };
        }
    }

    @Test
    void membersBehindFullConeNatsConnectDirectly() throws Exception {
        connect(Nat.FULL_CONE, Nat.FULL_CONE, true);
    }

    @Test
    void membersBehindPortRestrictedConeNatsPunchADirectPath() throws Exception {
        connect(Nat.PORT_RESTRICTED_CONE, Nat.PORT_RESTRICTED_CONE, true);
        assertTrue(lab.daemons.get(0).logQuietly().contains("sees this node as 198.18.1.2:"), "its reflexive address");
    }

    @Test
    void membersBehindNatsStartedWithIpDhcpGetDistinctAddressesAndReachEachOther() throws Exception {
        List<Netns> members = behindNats(Nat.PORT_RESTRICTED_CONE, Nat.SYMMETRIC_RANDOM);
        String[] got = new String[2];
        for (int i = 1; i <= 2; i++) {
            TestDaemon d = lab.daemon(members.get(i - 1), i);
            ok(d.p2p("start", "-ip", "dhcp", "-hash", "dhcp-nat", "-key", "k", "-dht", "198.18." + i + ".1:6881"), "start " + i);
        }
        for (int i = 1; i <= 2; i++) {
            got[i - 1] = Lab.handedOut(lab.daemons.get(i - 1), "dhcp-nat", "10\\.\\d+\\.\\d+\\.\\d+");
        }
        assertTrue(!got[0].equals(got[1]), "distinct: " + got[0] + " " + got[1]);
        Await.require(() -> pings(members.get(1), got[0]) && pings(members.get(0), got[1]), Duration.ofSeconds(30),
                () -> "the members do not reach each other at their handed-out addresses:\n" + logs());
        System.out.println("-ip dhcp behind NATs: " + got[0] + " and " + got[1]);
    }

    @Test
    void aMemberBehindAFullConeNatReachesOneBehindASymmetricNatDirectly() throws Exception {
        connect(Nat.FULL_CONE, Nat.SYMMETRIC_RANDOM, true);
    }

    @Test
    void membersBehindSymmetricNatsMeetThroughTheRelay() throws Exception {
        connect(Nat.SYMMETRIC_RANDOM, Nat.SYMMETRIC_RANDOM, false);
    }

    /**
     * Starts a network on two members behind these NATs and checks what their users see: a ping
     * gets through, both show the expected path to each other (direct: the peer's router; else the
     * relay) and keep it while iperf3 runs, and the relay carries that traffic exactly when the
     * path is the relay's. Adds the pair's line to the results.
     */
    private void connect(Nat first, Nat second, boolean direct) throws Exception {
        List<Netns> members = behindNats(first, second);
        Nat[] nats = {first, second};
        for (int i = 1; i <= 2; i++) {
            List<String> args = new ArrayList<>(List.of("-ip", "10.64.0." + i, "-hash", "behind-nats", "-key", "k", "-dht",
                    "198.18." + i + ".1:6881"));
            if (nats[i - 1] == Nat.FULL_CONE) {
                args.addAll(List.of("-port", Integer.toString(FULL_CONE_PORT)));
            }
            ok(lab.daemon(members.get(i - 1), i).p2p("start", args.toArray(String[]::new)), "start " + i);
        }
        long t0 = System.nanoTime();
        Await.require(() -> pings(members.get(1), "10.64.0.1"), Duration.ofSeconds(30), () -> "no path:\n" + logs());
        long firstPingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // a direct pair may first meet through the relay and must move off it, and then keep the
        // punched path (for a second here, and while iperf3 runs below)
        String path = direct ? "punched" : "relay 198.18.1.1:" + RELAY_PORT;
        long[] since = {0};
        Await.require(() -> {
            boolean on = path.equals(path(1)) && path.equals(path(2));
            since[0] = !on ? 0 : since[0] == 0 ? System.nanoTime() : since[0];
            return on && System.nanoTime() - since[0] >= TimeUnit.SECONDS.toNanos(1);
        }, Duration.ofSeconds(20), () -> "not both on the " + path + " path for a second: " + endpoint(1) + ", "
                + endpoint(2) + "\n" + logs());
        for (int i = 1; i <= 2; i++) {
            if (direct && nats[2 - i] == Nat.FULL_CONE) {
                assertEquals("198.18." + (3 - i) + ".2:" + FULL_CONE_PORT, endpoint(i), "the full cone peer at its own port");
            }
        }
        long before = relayBytes();
        Lab.Iperf iperf = Lab.iperf(members.get(0), members.get(1), "10.64.0.1", 5); // 2 s mostly measured the ramp-up
        long relayed = relayBytes() - before;
        assertTrue(path.equals(path(1)) && path.equals(path(2)), "left the " + path + " path: " + endpoint(1) + ", "
                + endpoint(2));
        if (direct) {
            assertTrue(iperf.bytes() > 100 * RELAY_IDLE_BYTES, "iperf3 moved too little to tell: " + iperf);
            assertTrue(relayed < RELAY_IDLE_BYTES, "the relay received " + relayed + " bytes while iperf3 moved "
                    + iperf.bytes() + " directly");
        } else {
            assertTrue(relayed >= iperf.bytes(), "the relay received " + relayed + " bytes, iperf3 moved " + iperf.bytes());
        }
        String status = lab.daemons.get(0).p2p("status").out();
        assertTrue(status.contains("|10.64.0.2|State:CONNECTED|Path:" + path + "|\n"), status);
        String debug = lab.daemons.get(0).p2p("debug").out();
        assertTrue(debug.contains("\tState: CONNECTED\n") && debug.contains(" (" + path + ")\n")
                && debug.contains("Bootstrap server 198.18.1.1:6881: answered "), debug);
        RESULTS.add(String.format("%-45s | %-6s | %20d | %d", first.label + " <-> " + second.label, path, firstPingMs,
                iperf.mbits()));
    }

    /** The path daemon {@code i} shows to the other member: its kind ({@code punched}, {@code relay HOST:PORT}...). */
    private String path(int i) {
        return column(i, 4);
    }

    /** The endpoint column of the other member's line in {@code show -hash} on daemon {@code i}. */
    private String endpoint(int i) {
        return column(i, 2);
    }

    private String column(int i, int n) {
        try {
            for (String line : lab.daemons.get(i - 1).p2p("show", "-hash", "behind-nats").out().split("\n")) {
                String[] columns = line.split("\t");
                if (columns.length > n && columns[1].equals("10.64.0." + (3 - i))) {
                    return columns[n];
                }
            }
            return "(not listed)";
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Bytes that arrived at the relay's port so far. */
    private long relayBytes() throws Exception {
        Netns.Result r = Netns.exec(pub.wrap(List.of("nft", "list", "table", "inet", "acct")));
        ok(r, "relay counter");
        Matcher m = Pattern.compile("udp dport " + RELAY_PORT + " counter packets \\d+ bytes (\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Long.parseLong(m.group(1));
    }

    private String logs() {
        return lab.daemons.get(0).logQuietly() + "\n---- member 2:\n" + lab.daemons.get(1).logQuietly() + "\n---- relay:\n"
                + lab.log("relay.log") + "\n---- dht:\n" + lab.log("dht.log");
    }

    /** pub, then for each member: its router and itself. Returns the members' namespaces. */
    private List<Netns> behindNats(Nat... nats) throws Exception {
        pub = lab.namespace("pub");
        ok(Netns.exec(pub.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "forwarding");
        ok(Netns.exec(pub.wrap(List.of("nft", "add table inet acct; add chain inet acct in { type filter hook input "
                + "priority -10; }; add rule inet acct in udp dport " + RELAY_PORT + " counter"))), "relay counter");
        List<Netns> members = new ArrayList<>();
        for (int i = 1; i <= nats.length; i++) {
            List<Netns> pair = lab.behindRouter(pub, i, "nat" + i, "m" + i);
            Netns router = pair.get(0);
            members.add(pair.get(1));
            // a home router: it translates the LAN as its kind says, and drops what comes unasked from
            // outside (to itself, and to the LAN unless forwarded), before conntrack confirms it, so a
            // stray probe leaves no state that would make it map the next outgoing packet to another port
            ok(Netns.exec(router.wrap(List.of("nft", "add table ip nat; "
                    + "add chain ip nat pre { type nat hook prerouting priority -100; }; "
                    + "add chain ip nat post { type nat hook postrouting priority 100; }; "
                    + "add table ip filter; add chain ip filter in { type filter hook input priority 0; }; "
                    + "add rule ip filter in iifname \"wan\" ct state new drop; "
                    + "add chain ip filter through { type filter hook forward priority 0; }; " + nats[i - 1].rules(i)))),
                    "nat rules");
        }
        lab.bootstrapServer(pub, "dht.log");
        lab.relayServer(pub, "relay.log", "198.18.1.1:" + RELAY_PORT, "198.18.1.1:6881");
        return members;
    }
}
