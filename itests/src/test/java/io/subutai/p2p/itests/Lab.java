package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a process test across namespaces builds and must take down again: namespaces, daemons in
 * them, and bootstrap servers ({@code p2p dht-server}). Closing it stops and deletes all of them.
 */
final class Lab implements AutoCloseable, org.junit.jupiter.api.extension.AfterEachCallback {

    final Path tmp;
    final List<Netns> namespaces = new ArrayList<>();
    final List<TestDaemon> daemons = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private final List<String> bridges = new ArrayList<>();

    /** For {@code @RegisterExtension}: one per test, closed after it, with a temporary directory of its own. */
    Lab() {
        try {
            this.tmp = Files.createTempDirectory("p2pt-lab");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void afterEach(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
        close();
    }

    /** Skips (loudly) the calling test class when this machine lacks root or one of the tools. */
    static void needs(String test, String... tools) {
        boolean ok = Netns.isRoot();
        for (String t : tools) {
            ok &= Files.isExecutable(Path.of("/usr/bin", t)) || Files.isExecutable(Path.of("/usr/sbin", t))
                    || Files.isExecutable(Path.of("/sbin", t));
        }
        String what = test + " needs root and " + String.join(", ", tools);
        if (!ok) {
            System.err.println("\n*** SKIPPED: " + what + " (.ci/setup). ***\n");
        }
        assumeTrue(ok, what);
    }

    Netns namespace(String purpose) throws Exception {
        Netns ns = Netns.create(purpose);
        namespaces.add(ns);
        return ns;
    }

    /**
     * A LAN: {@code n} namespaces with eth0 on one bridge of the host (a {@code p2pt-} name,
     * deleted on close), 192.168.77.i/24, in the returned order.
     */
    List<Netns> lan(int n) throws Exception {
        String bridge = "p2pt-br" + Integer.toHexString((int) (System.nanoTime() & 0xfff));
        ok(Netns.exec(List.of("ip", "link", "add", bridge, "type", "bridge", "mcast_snooping", "0")), "bridge");
        bridges.add(bridge);
        ok(Netns.exec(List.of("ip", "link", "set", bridge, "up")), "bridge up");
        List<Netns> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(onLan(bridge, i));
        }
        return out;
    }

    /** One more namespace on the LAN {@link #lan} made last, as host {@code i}. */
    Netns joinLan(int i) throws Exception {
        return onLan(bridges.get(bridges.size() - 1), i);
    }

    private Netns onLan(String bridge, int i) throws Exception {
        Netns ns = namespace("lan" + i);
        String veth = bridge + "v" + i;
        ok(Netns.exec(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns.name())), "veth");
        ok(Netns.exec(List.of("ip", "link", "set", veth, "master", bridge, "up")), "veth up");
        ns.ip("addr", "add", "192.168.77." + i + "/24", "dev", "eth0");
        ns.ip("link", "set", "eth0", "up");
        return ns;
    }

    /**
     * A member behind a router of its own, on the "public" namespace {@code pub}: pub has
     * 198.18.i.1/24 toward the router's wan (198.18.i.2), the router 192.168.i.1/24 on its lan,
     * the member 192.168.i.2/24 on eth0, each with its default route; the router forwards, and
     * filters or translates as the caller's nft rules say. Returns the router and the member.
     */
    List<Netns> behindRouter(Netns pub, int i, String routerPurpose, String memberPurpose) throws Exception {
        Netns router = namespace(routerPurpose);
        Netns member = namespace(memberPurpose);
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
        router.ip("link", "set", "lo", "up");
        router.ip("route", "add", "default", "via", "198.18." + i + ".1");
        ok(Netns.exec(router.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "router forwarding");
        member.ip("addr", "add", "192.168." + i + ".2/24", "dev", "eth0");
        member.ip("link", "set", "eth0", "up");
        member.ip("link", "set", "lo", "up");
        member.ip("route", "add", "default", "via", "192.168." + i + ".1");
        return List.of(router, member);
    }

    /** The id of the bundle with this symbolic name in the daemon, from {@code lb -s}. */
    static long bundleId(TestDaemon d, String symbolicName) throws Exception {
        Netns.Result r = d.p2p("shell", "lb -s");
        ok(r, "lb -s");
        for (String line : r.out().split("\n")) {
            String[] f = line.split("\\|");
            if (f.length > 3 && f[3].trim().startsWith(symbolicName + " ")) {
                return Long.parseLong(f[0].trim());
            }
        }
        throw new AssertionError("no bundle " + symbolicName + " in:\n" + r.out());
    }

    /** A daemon in {@code ns} with state directory {@code state<n>}, started. */
    TestDaemon daemon(Netns ns, int n) throws Exception {
        TestDaemon d = new TestDaemon(ns, P2pOptions.dist().resolve("bin/p2p"), tmp.resolve("state" + n), 52523);
        daemons.add(d);
        d.start();
        return d;
    }

    /**
     * Starts {@code p2p dht-server -listen :6881} in {@code ns} and waits until it listens; its log
     * goes to {@code log}. Its key is kept under the lab's directory, one per namespace, so a
     * restarted server has the key members pinned.
     */
    Process bootstrapServer(Netns ns, String log) throws Exception {
        return server(ns, log, "dht-server", "-listen", ":6881", "-state", tmp.resolve("dht-server-" + ns.name()).toString());
    }

    /**
     * Starts {@code p2p proxy-server -listen LISTEN -dht DHT} in {@code ns} and waits until it
     * listens. Give it one address of a host with several: bound to all, it would answer from
     * whichever faces the member, and a NAT drops an answer from another address than it asked.
     */
    Process relayServer(Netns ns, String log, String listen, String dht) throws Exception {
        return server(ns, log, "proxy-server", "-listen", listen, "-dht", dht, "-state",
                tmp.resolve("proxy-server-" + ns.name()).toString());
    }

    /** Starts {@code p2p COMMAND...} in {@code ns}, its output to {@code log}, and waits until it says it listens. */
    Process server(Netns ns, String log, String... command) throws Exception {
        Path file = tmp.resolve(log);
        List<String> cmd = new ArrayList<>(List.of(P2pOptions.dist().resolve("bin/p2p").toString()));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(ns.wrap(cmd)).redirectErrorStream(true).redirectOutput(file.toFile()).start();
        servers.add(p);
        Await.require(() -> {
            try {
                return Files.readString(file).contains("listening");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> command[0] + " did not start");
        return p;
    }

    /** The bootstrap server started last. */
    Process bootstrapServerProcess() {
        return servers.get(servers.size() - 1);
    }

    /** A server's log so far, or what went wrong reading it. */
    String log(String name) {
        try {
            return Files.readString(tmp.resolve(name));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /**
     * Waits until {@code p2p show} on {@code d} lists network {@code hash} with an address matching
     * {@code ip} (a regular expression) and returns it: the one a bootstrap server handed out.
     */
    static String handedOut(TestDaemon d, String hash, String ip) throws Exception {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("\\t(" + ip + ")\\t" + java.util.regex.Pattern.quote(hash) + "\n");
        Await.require(() -> {
            try {
                return line.matcher(d.p2p("show").out()).find();
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20), () -> "no address handed out:\n" + d.logQuietly());
        java.util.regex.Matcher m = line.matcher(d.p2p("show").out());
        org.junit.jupiter.api.Assertions.assertTrue(m.find(), "the address was listed, then not");
        return m.group(1);
    }

    static boolean pings(Netns from, String ip) {
        try {
            return Netns.exec(from.wrap(List.of("ping", "-c", "1", "-W", "0.3", ip))).code() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** What an iperf3 run delivered: its rate in Mbit/s and the bytes the server received. */
    record Iperf(long mbits, long bytes) {
    }

    /** {@link #iperf}'s rate in Mbit/s. */
    static long iperfMbits(Netns server, Netns client, String ip, int seconds) throws Exception {
        return iperf(server, client, ip, seconds).mbits();
    }

    /**
     * iperf3 TCP for {@code seconds} from {@code client} to a server run in {@code server} on {@code
     * ip}; fails the test when it does not run, returns what was received.
     */
    static Iperf iperf(Netns server, Netns client, String ip, int seconds) throws Exception {
        Process s = new ProcessBuilder(server.wrap(List.of("iperf3", "-s", "-B", ip)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Netns.Result iperf;
        try {
            // the server listens, and the overlay carries: no connection to it before iperf3's own
            // (a probing connection would be its first client, and it may reset the next while tidying up)
            Await.require(() -> {
                try {
                    return Netns.exec(server.wrap(List.of("ss", "-Hltn", "sport = :5201"))).out().contains(ip + ":5201");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(10), () -> "iperf3 server not listening on " + ip);
            Await.require(() -> pings(client, ip), Duration.ofSeconds(10), () -> "iperf3 server not reachable over the overlay");
            iperf = Netns.exec(client.wrap(List.of("iperf3", "-c", ip, "-t", Integer.toString(seconds), "-J")));
        } finally {
            s.destroy();
            s.waitFor(5, TimeUnit.SECONDS);
        }
        assertEquals(0, iperf.code(), iperf.err() + iperf.out());
        org.junit.jupiter.api.Assertions.assertFalse(iperf.out().contains("\"error\""), iperf.out());
        String received = iperf.out().replaceAll("(?s).*\"sum_received\"\\s*:\\s*\\{([^}]*)}.*", "$1");
        return new Iperf(Math.round(number(received, "bits_per_second") / 1e6), Math.round(number(received, "bytes")));
    }

    /** The number {@code "field": N} holds in a flat JSON object's text. */
    private static double number(String json, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\"\\s*:\\s*([0-9.e+]+)").matcher(json);
        org.junit.jupiter.api.Assertions.assertTrue(m.find(), field + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    static void ok(Netns.Result r, String what) {
        assertEquals(0, r.code(), what + ": " + r.err() + r.out());
    }

    @Override
    public void close() throws Exception {
        for (TestDaemon d : daemons) {
            d.close();
        }
        for (Process p : servers) {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        for (Netns ns : namespaces) {
            ns.close();
        }
        for (String b : bridges) {
            Netns.exec(List.of("ip", "link", "del", b));
        }
        bridges.clear();
        namespaces.clear();
        daemons.clear();
        servers.clear();
        try (var files = Files.walk(tmp)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
