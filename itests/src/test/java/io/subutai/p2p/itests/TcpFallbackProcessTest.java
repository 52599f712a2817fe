package io.subutai.p2p.itests;

import static io.subutai.p2p.itests.Lab.ok;
import static io.subutai.p2p.itests.Lab.pings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * A member whose network lets no UDP out (a hotel, a corporate firewall), as its user meets it.
 * Member A sits behind a router that masquerades its LAN and drops every UDP datagram (nftables);
 * member B behind a port-restricted cone NAT. On the "public" side: a bootstrap server on UDP 6881
 * and on TCP 443 (at 198.18.2.1), and a relay on UDP 6882 and TCP 443 (at 198.18.1.1). A starts
 * with {@code -dht} naming the server both ways. Before the stream transport is installed A finds
 * no one and {@code debug} says why; after {@code p2p:feature-install p2p-transport-tcp} in its
 * running daemon, A and B reach each other through the relay over TCP; when the firewall lets UDP
 * through again, traffic moves to UDP. Needs root, ping, nft, iperf3 (and tinyproxy for the proxy
 * case). Prints the figures the issue asks for after the class.
 */
class TcpFallbackProcessTest {

    private static final String HASH = "tcp-fallback";
    private static final List<String> RESULTS = new CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.extension.RegisterExtension
    final Lab lab = new Lab();

    private Netns pub;
    private TestDaemon a;
    private TestDaemon b;

    @BeforeAll
    static void needs() {
        Lab.needs("TcpFallbackProcessTest", "ping", "nft", "iperf3", "tinyproxy");
    }

    @AfterAll
    static void printResults() {
        System.out.println();
        RESULTS.forEach(System.out::println);
    }

    @Test
    void aMemberBehindAFirewallThatDropsUdpMeetsItsPeerOverTcpOnceTheFeatureIsInstalledAndMovesBackToUdp()
            throws Exception {
        List<Netns> members = topology(false);
        a = lab.daemon(members.get(0), 1);
        b = lab.daemon(members.get(1), 2);
        ok(b.p2p("start", "-ip", "10.66.0.2", "-hash", HASH, "-key", "k", "-dht", "198.18.1.1:6881"), "start b");
        ok(a.p2p("start", "-ip", "10.66.0.1", "-hash", HASH, "-key", "k", "-dht", "198.18.1.1:6881,wss://198.18.2.1:443"),
                "start a");

        // without the feature: nobody, and debug says why
        Await.require(() -> debug(b).contains("Bootstrap server 198.18.1.1:6881: answered"), Duration.ofSeconds(20),
                () -> "b never registered:\n" + b.logQuietly());
        String before = debug(a);
        assertTrue(before.contains("Bootstrap server wss://198.18.2.1:443/p2p: not reachable: needs a stream transport, which"
                + " is not installed (p2p:feature-install p2p-transport-tcp)"), before);
        assertTrue(before.contains("Bootstrap server 198.18.1.1:6881: never answered"), before);
        assertEquals("", peers(a), "A finds no one while UDP is blocked and no stream transport is installed");
        assertFalse(pings(members.get(0), "10.66.0.2"));

        // installed into the running daemon: A meets B through the relay over TCP
        long t0 = System.nanoTime();
        shell(a, "p2p:feature-install p2p-transport-tcp");
        Await.require(() -> pings(members.get(0), "10.66.0.2") && pings(members.get(1), "10.66.0.1"),
                Duration.ofSeconds(10), () -> "no ping within 10 s of the install:\n" + debug(a) + "\n" + logs());
        long installToPingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        Await.require(() -> "relay-tcp 198.18.1.1:443".equals(path(a, "10.66.0.2")), Duration.ofSeconds(10),
                () -> "show -hash does not name the path relay-tcp: " + peers(a));
        assertTrue(path(b, "10.66.0.1").startsWith("relay-tcp 198.18.1.1:6882"), "B's path crosses TCP too: " + peers(b));
        String status = a.p2p("status").out();
        assertTrue(status.contains("|10.66.0.2|State:CONNECTED|Path:relay-tcp 198.18.1.1:443|"), status);
        String debug = debug(a);
        assertTrue(debug.contains("Bootstrap server wss://198.18.2.1:443/p2p: answered"), debug);
        long coldRttMicros = rttMicros(members.get(0), "10.66.0.2");
        Lab.Iperf tcp = Lab.iperf(members.get(1), members.get(0), "10.66.0.2", 5);
        assertTrue(tcp.bytes() > 1_000_000, "iperf3 over relay-tcp moved " + tcp.bytes() + " bytes");
        long tcpRttMicros = rttMicros(members.get(0), "10.66.0.2"); // warm, as the UDP relay's below
        for (String line : debug(a).split("\n")) {
            if (line.contains("relay-tcp 198.18.1.1:6882: ")) {
                RESULTS.add("after iperf3, A's stream to the relay: " + line.strip()); // what it sent and dropped
            }
        }
        assertTrue(path(a, "10.66.0.2").startsWith("relay-tcp"), "kept the TCP path while iperf3 ran: " + peers(a));

        // the firewall lets UDP through again: traffic moves to UDP, losing no more than the switch
        try (Pinger ping = new Pinger(members.get(0), "10.66.0.2")) {
            assertTrue(ping.awaitMore(50, 10), "pings over relay-tcp");
            int from = ping.last();
            long t1 = System.nanoTime();
            ok(Netns.exec(lab.namespaces.get(1).wrap(List.of("nft", "flush", "chain", "ip", "filter", "block"))), "unblock");
            Await.require(() -> !path(a, "10.66.0.2").startsWith("relay-tcp") && !path(b, "10.66.0.1").startsWith("relay-tcp"),
                    Duration.ofSeconds(30), () -> "still on TCP 30 s after UDP passes again: " + peers(a) + "\n" + logs());
            long moveBackMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
            assertTrue(ping.awaitMore(100, 10), "pings after the move");
            long gap = ping.longestGapMs(from);
            RESULTS.add("UDP blocked -> relay-tcp: install to first ping " + installToPingMs + " ms; relay-tcp RTT "
                    + coldRttMicros + " us just after, " + tcpRttMicros + " us after iperf3; iperf3 " + tcp.mbits() + " Mbit/s; UDP back -> " + path(a, "10.66.0.2") + " in "
                    + moveBackMs + " ms, longest ping gap " + gap + " ms, " + ping.lostSince(from) + " lost");
            assertTrue(gap <= 1000, "the move back to UDP lost pings for " + gap + " ms");
        }

        // the UDP relay in the same run, for comparison: a second network that uses relays only
        ok(b.p2p("start", "-ip", "10.67.0.2", "-hash", "udp-relay", "-key", "k", "-dht", "198.18.1.1:6881", "-fwd"), "start b2");
        ok(a.p2p("start", "-ip", "10.67.0.1", "-hash", "udp-relay", "-key", "k", "-dht", "198.18.1.1:6881", "-fwd"), "start a2");
        Await.require(() -> pings(members.get(0), "10.67.0.2") && path(a, "10.67.0.2", "udp-relay").startsWith("relay "),
                Duration.ofSeconds(30), () -> "no UDP relay path: " + logs());
        long udpRttMicros = rttMicros(members.get(0), "10.67.0.2");
        Lab.Iperf udp = Lab.iperf(members.get(1), members.get(0), "10.67.0.2", 5);
        RESULTS.add("same run, UDP relay: RTT " + udpRttMicros + " us, iperf3 " + udp.mbits() + " Mbit/s; relay-tcp/UDP relay:"
                + String.format(" throughput %.2f, RTT %.2f", (double) tcp.mbits() / Math.max(1, udp.mbits()),
                        (double) tcpRttMicros / Math.max(1, udpRttMicros)));

        // uninstalled: the network is UDP-only again and keeps working
        shell(a, "p2p:feature-uninstall p2p-transport-tcp");
        Await.require(() -> debug(a).contains("needs a stream transport, which is not installed"), Duration.ofSeconds(10),
                () -> "still reaching the server over TCP after the uninstall:\n" + debug(a));
        assertTrue(pings(members.get(0), "10.66.0.2"), "UDP paths carry on");
    }

    @Test
    void aMemberThatReachesNothingButAnHttpProxyGetsThroughItWithStartProxy() throws Exception {
        List<Netns> members = topology(true);
        Netns router = lab.namespaces.get(1);
        Path conf = lab.tmp.resolve("tinyproxy.conf");
        Files.writeString(conf, "Port 8888\nListen 192.168.1.1\nTimeout 600\nAllow 192.168.1.0/24\nConnectPort 443\n"
                + "MaxClients 50\nLogLevel Connect\nLogFile \"" + lab.tmp.resolve("tinyproxy.log") + "\"\n");
        Process proxy = new ProcessBuilder(router.wrap(List.of("tinyproxy", "-d", "-c", conf.toString())))
                .redirectErrorStream(true).redirectOutput(lab.tmp.resolve("tinyproxy.out").toFile()).start();
        try {
            Await.require(() -> tcpOpen(members.get(0), "192.168.1.1", 8888), Duration.ofSeconds(10),
                    () -> "tinyproxy did not start: " + lab.log("tinyproxy.out"));
            a = lab.daemon(members.get(0), 1);
            b = lab.daemon(members.get(1), 2);
            shell(a, "p2p:feature-install p2p-transport-tcp");
            ok(b.p2p("start", "-ip", "10.66.0.2", "-hash", HASH, "-key", "k", "-dht", "198.18.1.1:6881"), "start b");
            ok(a.p2p("start", "-ip", "10.66.0.1", "-hash", HASH, "-key", "k", "-dht", "wss://198.18.2.1",
                    "-proxy", "http://192.168.1.1:8888"), "start a");
            long t0 = System.nanoTime();
            Await.require(() -> pings(members.get(0), "10.66.0.2") && pings(members.get(1), "10.66.0.1"),
                    Duration.ofSeconds(20), () -> "no ping through the proxy:\n" + debug(a) + "\n" + logs()
                            + "\n---- tinyproxy:\n" + lab.log("tinyproxy.log"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("relay-tcp 198.18.1.1:443", path(a, "10.66.0.2"));
            String proxied = lab.log("tinyproxy.log");
            assertTrue(proxied.contains("198.18.2.1") && proxied.contains("198.18.1.1"),
                    "both streams went through the proxy:\n" + proxied);
            assertTrue(debug(a).contains("via http proxy 192.168.1.1:8888"), debug(a));
            long rtt = rttMicros(members.get(0), "10.66.0.2");
            RESULTS.add("through tinyproxy (HTTP CONNECT): start to first ping " + ms + " ms, RTT " + rtt + " us");
        } finally {
            proxy.destroy();
            proxy.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void shell(TestDaemon d, String command) throws Exception {
        Netns.Result r = d.p2p("shell", command);
        ok(r, command);
        assertFalse(r.out().contains("Exception") || r.out().contains("failed"), command + ": " + r.out());
    }

    private static String debug(TestDaemon d) {
        try {
            return d.p2p("debug").out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The peers' lines of {@code show -hash}, without the header. */
    private static String peers(TestDaemon d) {
        try {
            StringBuilder out = new StringBuilder();
            for (String line : d.p2p("show", "-hash", HASH).out().split("\n")) {
                if (line.split("\t").length > 4 && !line.startsWith("<")) { // not the header
                    out.append(line).append('\n');
                }
            }
            return out.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String path(TestDaemon d, String ip) {
        return path(d, ip, HASH);
    }

    /** The path column (5th) of the peer with overlay address {@code ip} in {@code show -hash}. */
    private static String path(TestDaemon d, String ip, String hash) {
        try {
            for (String line : d.p2p("show", "-hash", hash).out().split("\n")) {
                String[] c = line.split("\t");
                if (c.length > 4 && c[1].equals(ip)) {
                    return c[4];
                }
            }
            return "(not listed)";
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The average of 20 pings 50 ms apart, in microseconds. */
    private static long rttMicros(Netns from, String ip) throws Exception {
        Netns.Result r = Netns.exec(from.wrap(List.of("ping", "-c", "20", "-i", "0.05", "-W", "1", ip)));
        ok(r, "ping -c 20");
        Matcher m = Pattern.compile("= [0-9.]+/([0-9.]+)/").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Math.round(Double.parseDouble(m.group(1)) * 1000);
    }

    private static boolean tcpOpen(Netns from, String host, int port) {
        try {
            return Netns.exec(from.wrap(List.of("bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port + " && exec 3>&-")))
                    .code() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private String logs() {
        return "---- a:\n" + a.logQuietly() + "\n---- b:\n" + b.logQuietly() + "\n---- relay:\n" + lab.log("relay.log")
                + "\n---- dht:\n" + lab.log("dht.log");
    }

    /**
     * pub (198.18.1.1 toward A's router, 198.18.2.1 toward B's), A's router (masquerades; its
     * {@code block} chain drops all UDP forwarded either way, or with {@code proxyOnly} everything
     * forwarded: only its own proxy gets out), A, B's router (port-restricted cone), B; then the
     * servers on pub, listening on UDP and TCP 443. Returns A and B.
     */
    private List<Netns> topology(boolean proxyOnly) throws Exception {
        pub = lab.namespace("pub");
        ok(Netns.exec(pub.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "forwarding");
        List<Netns> members = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            List<Netns> pair = lab.behindRouter(pub, i, "fw" + i, "m" + i);
            Netns router = pair.get(0);
            members.add(pair.get(1));
            String block = i != 1 ? "" : proxyOnly ? "add rule ip filter block drop; "
                    : "add rule ip filter block meta l4proto udp drop; ";
            ok(Netns.exec(router.wrap(List.of("nft", "add table ip nat; "
                    + "add chain ip nat post { type nat hook postrouting priority 100; }; "
                    + "add rule ip nat post oifname \"wan\" masquerade persistent; "
                    + "add table ip filter; add chain ip filter in { type filter hook input priority 0; }; "
                    + "add rule ip filter in iifname \"wan\" ct state new drop; "
                    + "add chain ip filter block { type filter hook forward priority -10; }; " + block
                    + "add chain ip filter through { type filter hook forward priority 0; }; "
                    + "add rule ip filter through iifname \"wan\" ct state new drop"))), "router rules");
        }
        lab.server(pub, "dht.log", "dht-server", "-listen", "198.18.1.1:6881", "-tcp", "198.18.2.1:443", "-relay",
                "198.18.1.1:6882", "-state", lab.tmp.resolve("dht-state").toString());
        lab.server(pub, "relay.log", "proxy-server", "-listen", "198.18.1.1:6882", "-tcp", "198.18.1.1:443", "-dht",
                "198.18.1.1:6881", "-state", lab.tmp.resolve("relay-state").toString());
        for (String s : List.of("198.18.2.1", "198.18.1.1")) {
            Await.require(() -> tcpOpen(pub, s, 443), Duration.ofSeconds(10), () -> "no TCP listener on " + s + ":443");
        }
        return members;
    }
}
