package io.subutai.p2p.itests;

import static io.subutai.p2p.itests.Lab.ok;
import static io.subutai.p2p.itests.Lab.pings;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Members behind NAT routers made with nftables: each member's LAN (192.168.i.0/24) reaches a
 * "public" namespace through its own router, which masquerades it behind 198.18.i.2. The
 * bootstrap server runs in the public namespace. Needs root, ping, nft and iperf3.
 */
class NatTraversalProcessTest {

    @org.junit.jupiter.api.extension.RegisterExtension
    final Lab lab = new Lab();

    @BeforeAll
    static void needs() {
        Lab.needs("NatTraversalProcessTest", "ping", "nft", "iperf3");
    }

    /** The NAT behaviours a router here can have. */
    enum Nat {
        /** Linux masquerading: the source port kept, one mapping for every destination; replies only from where it sent. */
        PORT_RESTRICTED_CONE("masquerade persistent"),
        /** A new random port for every destination: what the server sees is of no use to a peer. */
        SYMMETRIC_RANDOM("masquerade fully-random");

        final String rule;

        Nat(String rule) {
            this.rule = rule;
        }
    }

    /** pub, then for each member: its router and itself. Returns the members' namespaces. */
    private List<Netns> behindNats(Nat... nats) throws Exception {
        Netns pub = lab.namespace("pub");
        ok(Netns.exec(pub.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "forwarding");
        List<Netns> members = new ArrayList<>();
        for (int i = 1; i <= nats.length; i++) {
            Netns router = lab.namespace("nat" + i);
            Netns member = lab.namespace("m" + i);
            members.add(member);
            String tag = Integer.toHexString((int) (System.nanoTime() & 0xfff));
            ok(Netns.exec(List.of("ip", "link", "add", "p2pt-w" + i + tag, "netns", pub.name(), "type", "veth", "peer", "name",
                    "wan", "netns", router.name())), "wan link");
            ok(Netns.exec(List.of("ip", "link", "add", "lan", "netns", router.name(), "type", "veth", "peer", "name", "eth0",
                    "netns", member.name())), "lan link");
            pub.ip("addr", "add", "198.18." + i + ".1/24", "dev", "p2pt-w" + i + tag);
            pub.ip("link", "set", "p2pt-w" + i + tag, "up");
            router.ip("addr", "add", "198.18." + i + ".2/24", "dev", "wan");
            router.ip("addr", "add", "192.168." + i + ".1/24", "dev", "lan");
            router.ip("link", "set", "wan", "up");
            router.ip("link", "set", "lan", "up");
            router.ip("route", "add", "default", "via", "198.18." + i + ".1");
            ok(Netns.exec(router.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "router forwarding");
            // a home router: it masquerades the LAN, and drops what comes unasked from outside, to
            // itself or to the LAN (dropped before conntrack confirms it, so a stray probe leaves no
            // state that would make the router map the next outgoing packet to another port)
            ok(Netns.exec(router.wrap(List.of("nft", "add table ip nat; add chain ip nat post { type nat hook postrouting "
                    + "priority 100; }; add rule ip nat post oifname \"wan\" " + nats[i - 1].rule + "; "
                    + "add table ip filter; add chain ip filter in { type filter hook input priority 0; }; "
                    + "add rule ip filter in iifname \"wan\" ct state new drop; "
                    + "add chain ip filter through { type filter hook forward priority 0; }; "
                    + "add rule ip filter through iifname \"wan\" ct state new drop"))), "nat rules");
            member.ip("addr", "add", "192.168." + i + ".2/24", "dev", "eth0");
            member.ip("link", "set", "eth0", "up");
            member.ip("link", "set", "lo", "up");
            member.ip("route", "add", "default", "via", "192.168." + i + ".1");
        }
        lab.bootstrapServer(pub, "dht.log");
        lab.relayServer(pub, "relay.log", "198.18.1.1:6882", "198.18.1.1:6881");
        return members;
    }

    @Test
    void membersBehindPortRestrictedConeNatsPunchADirectPath() throws Exception {
        List<Netns> members = behindNats(Nat.PORT_RESTRICTED_CONE, Nat.PORT_RESTRICTED_CONE);
        for (int i = 1; i <= 2; i++) {
            ok(lab.daemon(members.get(i - 1), i).p2p("start", "-ip", "10.64.0." + i, "-hash", "behind-nats", "-key", "k", "-dht", "198.18." + i + ".1:6881"),
                    "start " + i);
        }
        long t0 = System.nanoTime();
        Await.require(() -> pings(members.get(1), "10.64.0.1"), Duration.ofSeconds(30),
                () -> "no path between two members behind cone NATs:\n" + lab.daemons.get(0).logQuietly() + "\n----\n"
                        + lab.daemons.get(1).logQuietly());
        System.out.println("port-restricted cone <-> port-restricted cone: first ping "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after the second start");
        // it may first get through the relay (every member has one here), and moves to the punched path
        long t1 = System.nanoTime();
        Await.require(() -> {
            try {
                return lab.daemons.get(0).p2p("show", "-hash", "behind-nats").out().contains("\t10.64.0.2\t198.18.2.2:")
                        && lab.daemons.get(1).p2p("show", "-hash", "behind-nats").out().contains("\t10.64.0.1\t198.18.1.2:");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20), () -> "not on the direct path:\n" + lab.daemons.get(0).logQuietly());
        System.out.println("both members on the punched path " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)
                + " ms after the first ping");
        assertTrue(lab.daemons.get(0).logQuietly().contains("sees this node as 198.18.1.2:"), "its reflexive address");
        System.out.println("iperf3 over the punched path: " + Lab.iperfMbits(members.get(0), members.get(1), "10.64.0.1", 2)
                + " Mbit/s");
    }

    @Test
    void membersBehindSymmetricNatsMeetThroughTheRelay() throws Exception {
        List<Netns> members = behindNats(Nat.SYMMETRIC_RANDOM, Nat.SYMMETRIC_RANDOM);
        for (int i = 1; i <= 2; i++) {
            ok(lab.daemon(members.get(i - 1), i).p2p("start", "-ip", "10.65.0." + i, "-hash", "symmetric", "-key", "k", "-dht",
                    "198.18." + i + ".1:6881"), "start " + i);
        }
        long t0 = System.nanoTime();
        Await.require(() -> pings(members.get(1), "10.65.0.1"), Duration.ofSeconds(30),
                () -> "no path between two members behind symmetric NATs:\n" + lab.daemons.get(0).logQuietly() + "\n----\n"
                        + lab.daemons.get(1).logQuietly() + "\n---- relay:\n" + lab.log("relay.log") + "\n---- dht:\n"
                        + lab.log("dht.log"));
        System.out.println("symmetric (random) <-> symmetric (random): first ping "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after the second start");
        String peers = lab.daemons.get(0).p2p("show", "-hash", "symmetric").out();
        assertTrue(peers.contains("\t10.65.0.2\t198.18.1.1:"), "reached through the relay: " + peers);
        System.out.println("iperf3 through the relay: " + Lab.iperfMbits(members.get(0), members.get(1), "10.65.0.1", 2)
                + " Mbit/s");
    }
}
