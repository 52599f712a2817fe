package io.subutai.p2p.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The namespaces of {@code p2p lab} and the links between them, made with iproute2 (and nft for the
 * NAT routers) and removed again. Everything lives in network namespaces named {@code p2plab-*}: a
 * LAN's switch is a bridge inside a namespace (its own, or its home router's), so the host gains no
 * interface, route or firewall rule, and nothing a member sends has a way off the machine.
 *
 * <p>One LAN: {@code p2plab-lan} holds bridge {@code br0}; member i is {@code p2plab-mI} with eth0 at
 * 10.77.0.(10+i)/24. With NAT: {@code p2plab-inet} is the "internet", a bridge with 100.64.0.1/24 (the
 * bootstrap server and relay listen there); home routers {@code p2plab-r1} and {@code p2plab-r2} have
 * their wan at 100.64.0.2 and .3, a LAN bridge at 10.77.R.1/24, forward, and masquerade what leaves
 * the wan (one mapping per source port, kept for every destination; nothing new let in from the wan:
 * a port-restricted cone NAT); the first half of the members are behind r1, the rest behind r2.
 */
final class LabNet {

    static final String PREFIX = "p2plab-";
    static final String LAN_NS = PREFIX + "lan";
    static final String INET_NS = PREFIX + "inet";
    static final String SERVERS_IP = "100.64.0.1";
    static final String DHT = SERVERS_IP + ":6881";
    static final String RELAY = SERVERS_IP + ":6882";
    static final String OVERLAY_PREFIX = "10.200.0.";

    /**
     * A member of the lab.
     *
     * @param index     1 to n
     * @param namespace its namespace, {@code p2plab-mI}
     * @param address   its eth0 address (the underlay)
     * @param overlay   its overlay IP, without prefix
     * @param router    the namespace of its home router; null on the one LAN
     */
    record Member(int index, String namespace, String address, String overlay, String router) {

        /** Its name in the lab's directory: {@code mI} (state {@code mI/}, log {@code logs/mI.log}). */
        String name() {
            return "m" + index;
        }
    }

    /** What to make: the members, every namespace (in the order made), and the commands that make them. */
    record Plan(List<Member> members, List<String> namespaces, List<List<String>> commands, boolean nat) {
    }

    /** What a command printed (standard output and error together) and its exit code. */
    record Result(int code, String output) {
    }

    /** What a sweep found and removed. */
    record Swept(List<String> namespaces, int processes, List<String> links) {

        boolean nothing() {
            return namespaces.isEmpty() && processes == 0 && links.isEmpty();
        }
    }

    private LabNet() {
    }

    /** The lab of {@code n} members, on one LAN or ({@code nat}) behind two home routers. */
    static Plan plan(int n, boolean nat) {
        List<Member> members = new ArrayList<>();
        List<String> namespaces = new ArrayList<>();
        List<List<String>> c = new ArrayList<>();
        if (!nat) {
            namespace(LAN_NS, namespaces, c);
            bridge(LAN_NS, "br0", null, c);
            for (int i = 1; i <= n; i++) {
                members.add(member(i, 0, LAN_NS, "br0", null, namespaces, c));
            }
            return new Plan(members, namespaces, c, false);
        }
        namespace(INET_NS, namespaces, c);
        bridge(INET_NS, "br0", SERVERS_IP + "/24", c);
        for (int r = 1; r <= 2; r++) {
            String router = PREFIX + "r" + r;
            namespace(router, namespaces, c);
            c.add(ip(INET_NS, "link", "add", "r" + r, "type", "veth", "peer", "name", "wan", "netns", router));
            c.add(ip(INET_NS, "link", "set", "r" + r, "master", "br0", "up"));
            c.add(ip(router, "addr", "add", "100.64.0." + (1 + r) + "/24", "dev", "wan"));
            c.add(ip(router, "link", "set", "wan", "up"));
            bridge(router, "lan", "10.77." + r + ".1/24", c);
            c.add(List.of("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
            c.add(List.of("ip", "netns", "exec", router, "nft", homeRouterRules()));
        }
        int first = (n + 1) / 2; // behind r1; the rest behind r2
        for (int i = 1; i <= n; i++) {
            int r = i <= first ? 1 : 2;
            members.add(member(i, r, PREFIX + "r" + r, "lan", PREFIX + "r" + r, namespaces, c));
        }
        return new Plan(members, namespaces, c, true);
    }

    /**
     * A home router's nftables rules: what leaves by the wan is masqueraded, the source port kept
     * where free and one mapping used for every destination; what arrives unasked on the wan is
     * dropped before conntrack confirms it (so a stray packet leaves no state that would make the
     * router map the next outgoing one to another port). Peers behind two such routers punch a path.
     */
    static String homeRouterRules() {
        return "add table ip p2plab; "
                + "add chain ip p2plab post { type nat hook postrouting priority 100; }; "
                + "add rule ip p2plab post oifname \"wan\" masquerade persistent; "
                + "add chain ip p2plab in { type filter hook input priority 0; }; "
                + "add rule ip p2plab in iifname \"wan\" ct state new drop; "
                + "add chain ip p2plab through { type filter hook forward priority 0; }; "
                + "add rule ip p2plab through iifname \"wan\" ct state new drop";
    }

    private static void namespace(String ns, List<String> namespaces, List<List<String>> c) {
        namespaces.add(ns);
        c.add(List.of("ip", "netns", "add", ns));
        c.add(ip(ns, "link", "set", "lo", "up"));
    }

    /** A bridge in {@code ns}, with multicast snooping off (LAN discovery's beacons reach every port at once). */
    private static void bridge(String ns, String name, String address, List<List<String>> c) {
        c.add(ip(ns, "link", "add", name, "type", "bridge", "mcast_snooping", "0"));
        if (address != null) {
            c.add(ip(ns, "addr", "add", address, "dev", name));
        }
        c.add(ip(ns, "link", "set", name, "up"));
    }

    /** Member i on the bridge {@code bridge} in {@code switchNs}; LAN 10.77.lan.0/24, its gateway .1 when routed. */
    private static Member member(int i, int lan, String switchNs, String bridge, String router, List<String> namespaces,
            List<List<String>> c) {
        String ns = PREFIX + "m" + i;
        String address = "10.77." + lan + "." + (10 + i);
        namespace(ns, namespaces, c);
        c.add(ip(switchNs, "link", "add", "m" + i, "type", "veth", "peer", "name", "eth0", "netns", ns));
        c.add(ip(switchNs, "link", "set", "m" + i, "master", bridge, "up"));
        c.add(ip(ns, "addr", "add", address + "/24", "dev", "eth0"));
        c.add(ip(ns, "link", "set", "eth0", "up"));
        if (router != null) {
            c.add(ip(ns, "route", "add", "default", "via", "10.77." + lan + ".1"));
        }
        return new Member(i, ns, address, OVERLAY_PREFIX + i, router);
    }

    /** {@code ip -n NS ARGS...}: a command inside namespace {@code ns}. */
    private static List<String> ip(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code command}, its standard input empty, and waits for it (30 s at most). */
    static Result exec(List<String> command) throws IOException {
        // its output to a file, not a pipe read first: a child that hangs with it open cannot outlast the timeout
        java.nio.file.Path output = java.nio.file.Files.createTempFile("p2p-lab-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(new File("/dev/null"))
                    .redirectOutput(output.toFile()).start();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, "timed out");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                return new Result(-1, "interrupted");
            }
            return new Result(p.exitValue(), java.nio.file.Files.readString(output, StandardCharsets.UTF_8).trim());
        } finally {
            java.nio.file.Files.deleteIfExists(output);
        }
    }

    /** Runs {@code command}; fails with what it said when it fails. */
    static void run(List<String> command) throws IOException {
        Result r = exec(command);
        if (r.code() != 0) {
            throw new IOException(String.join(" ", command) + ": " + (r.output().isEmpty() ? "exit " + r.code() : r.output()));
        }
    }

    /** The namespaces named {@code p2plab-*} on this machine. */
    static List<String> namespaces() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : exec(List.of("ip", "netns", "list")).output().split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                out.add(name);
            }
        }
        return out;
    }

    /** The host's interfaces named {@code p2plab-*} (the lab makes none; one left by anything else is swept too). */
    static List<String> hostLinks() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : exec(List.of("ip", "-o", "link", "show")).output().split("\n")) {
            String[] f = line.split(":\\s+", 3); // "7: NAME@peer: <FLAGS> ..."
            if (f.length > 1) {
                String name = f[1].split("@")[0].trim();
                if (name.startsWith(PREFIX)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** The processes running in namespace {@code ns}. */
    static List<ProcessHandle> processesIn(String ns) throws IOException {
        List<ProcessHandle> out = new ArrayList<>();
        for (String pid : exec(List.of("ip", "netns", "pids", ns)).output().split("\\s+")) {
            if (pid.matches("[0-9]+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(out::add);
            }
        }
        return out;
    }

    /**
     * Removes every {@code p2plab-*} namespace with every process in it (SIGTERM, then SIGKILL after
     * {@code graceMillis}), and any host interface of that name. Says on {@code say} what it does.
     */
    static Swept sweep(long graceMillis, Consumer<String> say) throws IOException {
        List<String> namespaces = namespaces();
        List<ProcessHandle> processes = new ArrayList<>();
        for (String ns : namespaces) {
            processes.addAll(processesIn(ns));
        }
        if (!processes.isEmpty()) {
            say.accept("Stopping " + LabCommand.count(processes.size(), "process") + " in the lab's namespaces ...");
            stop(processes, graceMillis);
        }
        for (String ns : namespaces) {
            Result r = exec(List.of("ip", "netns", "del", ns));
            if (r.code() != 0) {
                say.accept("Cannot delete namespace " + ns + ": " + r.output());
            }
        }
        List<String> links = hostLinks();
        for (String link : links) {
            exec(List.of("ip", "link", "del", link));
        }
        return new Swept(namespaces, processes.size(), links);
    }

    /** SIGTERM to each, and SIGKILL to what still runs after {@code graceMillis}; returns once all are gone (or 5 s later). */
    static void stop(List<ProcessHandle> processes, long graceMillis) {
        processes.forEach(ProcessHandle::destroy);
        awaitExit(processes, graceMillis);
        List<ProcessHandle> left = processes.stream().filter(ProcessHandle::isAlive).toList();
        left.forEach(ProcessHandle::destroyForcibly);
        awaitExit(left, 5000);
    }

    private static void awaitExit(List<ProcessHandle> processes, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (ProcessHandle h : processes) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
