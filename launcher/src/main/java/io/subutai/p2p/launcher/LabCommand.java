package io.subutai.p2p.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code p2p lab}: a mesh on this machine in one command, as root. It makes the namespaces of
 * {@link LabNet}, starts a daemon in each member's (and with {@code -nat} a bootstrap server and a
 * relay, {@code p2p servers}, on the "internet"), starts one network on every member, and prints
 * {@link LabTable} once a second until SIGINT or SIGTERM, when a shutdown hook removes every
 * namespace and every process in them. {@code p2p lab -down} does the same from anywhere: it
 * stops the lab's process (which tears down what it made) and sweeps whatever is left, also after
 * that process died.
 *
 * <p>What it made is recorded by {@link LabRecord} (machine-wide, as the namespaces are); the
 * daemons' state directories go under {@code <state dir>/lab/mI}, removed with the lab, and their
 * logs under {@code <state dir>/lab/logs}, kept until the next lab.
 */
final class LabCommand {

    static final int MIN_MEMBERS = 2;
    static final int MAX_MEMBERS = 16;
    static final String DEFAULT_HASH = "p2plab";
    /** How long a daemon may take from its start to its network's (many daemons share the cores). */
    private static final long UP_MILLIS_BASE = 60_000;
    private static final long UP_MILLIS_PER_MEMBER = 5_000;
    static final long GRACE_MILLIS = 10_000;

    private final Path home;
    private final Path dir;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    // guarded by this
    private final List<Process> processes = new ArrayList<>();
    private final Map<Integer, Process> daemons = new java.util.HashMap<>();
    private Process servers;
    private boolean closing;
    /** Counted down with {@link #closing} set: what waits for the lab's end wakes at once. */
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    private LabCommand(Path home, Path dir, PrintStream out, PrintStream err, boolean terminal) {
        this.home = home;
        this.dir = dir;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** Checks the flags and who runs it, then brings a lab up (and returns only when setting it up failed) or down. */
    static int run(Parsed p, boolean root, Path home, Path stateDir, PrintStream out, PrintStream err) {
        boolean down = p.bool("down");
        int n = p.integer("n", 3);
        String hash = p.has("hash") ? p.string("hash") : DEFAULT_HASH;
        String usage = null;
        if (down && (p.has("n") || p.has("nat") || p.has("hash"))) {
            usage = "-down takes no other flag: it removes the lab, whatever it was made with";
        } else if (n < MIN_MEMBERS || n > MAX_MEMBERS) {
            usage = "invalid value \"" + n + "\" for flag -n: give " + MIN_MEMBERS + " to " + MAX_MEMBERS + " members";
        } else if (hash.isBlank() || hash.contains("~")) {
            usage = "invalid value \"" + hash + "\" for flag -hash: give a network name, without ~";
        }
        if (usage != null) {
            err.println("Incorrect Usage: " + usage);
            err.println();
            err.print(Commands.LAB.help());
            return Main.EXIT_USAGE;
        }
        if (!root) {
            err.println("p2p lab must run as root: it creates network namespaces and starts a daemon in each."
                    + " Run it with sudo.");
            return 1;
        }
        for (String tool : p.bool("nat") ? List.of("ip", "nft") : List.of("ip")) {
            if (!onPath(tool)) {
                err.println("p2p lab needs " + tool + (tool.equals("ip") ? " (iproute2)" : " (nftables), for -nat's NAT routers")
                        + ", which is not on the PATH: install it first");
                return 1;
            }
        }
        Path dir = stateDir.resolve("lab");
        if (down) {
            return LabRecord.down(out, err);
        }
        boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        return new LabCommand(home, dir, out, err, terminal).up(n, p.bool("nat"), hash);
    }

    private int up(int n, boolean nat, String hash) {
        try {
            ProcessHandle running = LabRecord.labProcess(LabRecord.read());
            if (running != null) {
                err.println("A lab is up already (process " + running.pid() + "). Remove it first: p2p lab -down");
                return 1;
            }
            List<String> left = LabNet.namespaces();
            if (!left.isEmpty()) {
                err.println("Namespaces of an earlier lab are still there (" + String.join(", ", left)
                        + "). Remove them first: p2p lab -down");
                return 1;
            }
            LabRecord.delete(dir.resolve("logs"));
            LabRecord.removeState(dir);
            Files.createDirectories(dir.resolve("logs"));
            LabRecord.write(dir, n, nat, hash);
        } catch (IOException e) {
            err.println("Cannot prepare the lab: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(this::tearDown, "p2p-lab-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        LabNet.Plan plan = LabNet.plan(n, nat);
        String title = "network \"" + hash + "\", " + n + " members " + (nat ? "behind 2 NAT routers" : "on one LAN");
        try {
            say("p2p lab: " + title + ", overlay " + LabNet.OVERLAY_PREFIX + "0/24");
            for (List<String> command : plan.commands()) {
                synchronized (this) { // nothing is made once the teardown began
                    checkNotClosing();
                    LabNet.run(command);
                }
            }
            String dht = nat ? startServers() : null;
            bringUp(plan, hash, dht);
        } catch (IOException e) {
            if (!isClosing()) { // else a signal's teardown runs, and the JVM exits after it
                err.println("Cannot set the lab up: " + e.getMessage());
            }
            tearDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs already
            }
            return 1;
        }
        say("Logs: " + dir.resolve("logs") + " (kept after the lab is removed)");
        say("Try:  ip netns exec " + plan.members().get(0).namespace() + " ping " + plan.members().get(1).overlay());
        say("      P2P_STATE_DIR=" + dir.resolve("m1") + " " + home.resolve("bin/p2p") + " debug");
        say("Ctrl-C here, or p2p lab -down anywhere, removes the lab.");
        watch(plan, hash, title);
        return 0;
    }

    /** Starts {@code p2p servers} on the internet and returns {@code -dht}'s value, its key pinned. */
    private String startServers() throws IOException {
        Path log = dir.resolve("logs/servers.log");
        Process servers = spawn(LabNet.INET_NS, dir.resolve("servers"), log, "servers", "-dht-listen", LabNet.DHT,
                "-proxy-listen", LabNet.RELAY, "-state", dir.resolve("servers").toString());
        synchronized (this) {
            this.servers = servers;
        }
        Pattern key = Pattern.compile("-dht HOST:PORT@([0-9a-f]{64})");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && servers.isAlive()) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = key.matcher(text);
            if (m.find() && text.contains("Relay " + LabNet.RELAY + " announced itself")) { // to its bootstrap server
                say("  bootstrap server " + LabNet.DHT + " and relay " + LabNet.RELAY + " up in " + LabNet.INET_NS);
                return LabNet.DHT + "@" + m.group(1);
            }
            if (awaitClosing(100)) { // no event says when a server in another process listens
                break;
            }
        }
        throw new IOException("the bootstrap server and relay did not start; their log, " + log + ":\n" + tail(log));
    }

    /** Starts every member's daemon, then its network as soon as its control socket answers. */
    private void bringUp(LabNet.Plan plan, String hash, String dht) throws IOException {
        String key = SecretStrength.newKey(new SecureRandom());
        List<Process> started = new ArrayList<>();
        for (LabNet.Member m : plan.members()) {
            say("  " + m.namespace() + "  " + m.address() + (m.router() == null ? "" : " behind " + m.router())
                    + "  overlay " + m.overlay() + "  log " + log(m));
            // the distribution's configuration, not this host's /etc/p2p.yaml: every lab is the same
            Process d = spawn(m.namespace(), dir.resolve(m.name()), log(m), "daemon", "-config",
                    home.resolve("conf/p2p.yaml").toString());
            started.add(d);
            synchronized (this) {
                this.daemons.put(m.index(), d);
            }
        }
        say("Starting " + started.size() + " daemons and network \"" + hash + "\" ...");
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(UP_MILLIS_BASE + UP_MILLIS_PER_MEMBER * started.size());
        String[] failed = new String[started.size()];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            int k = i;
            LabNet.Member m = plan.members().get(k);
            Thread t = new Thread(() -> {
                failed[k] = startNetwork(m, started.get(k), hash, key, dht, deadline);
                if (failed[k] == null) {
                    say(String.format("  %s: network started after %.1f s", m.namespace(), (System.nanoTime() - t0) / 1e9));
                }
            }, "p2p-lab-start-" + m.index());
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        for (int i = 0; i < failed.length; i++) {
            if (failed[i] != null) {
                LabNet.Member m = plan.members().get(i);
                throw new IOException(m.namespace() + ": " + failed[i] + "; its log, " + log(m) + ":\n" + tail(log(m)));
            }
        }
    }

    /** Waits for the daemon's control socket and starts the network on it: null, or what went wrong. */
    private String startNetwork(LabNet.Member m, Process daemon, String hash, String key, String dht, long deadline) {
        Path state = dir.resolve(m.name());
        Path socket = Client.socket(state, Commands.DEFAULT_RPC_PORT);
        boolean up = false;
        while (!up && daemon.isAlive() && !isClosing() && System.nanoTime() < deadline) {
            up = Await.listening(socket, 250);
        }
        if (!up) {
            return daemon.isAlive() ? "its daemon did not answer in time" : "its daemon exited (" + daemon.exitValue() + ")";
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ip", m.overlay() + "/24");
        body.put("hash", hash);
        body.put("key", key);
        if (dht != null) {
            body.put("dht", dht);
        }
        try {
            Client.Reply r = new Client(state, Commands.DEFAULT_RPC_PORT, false).call("start", body, 60_000);
            return r.code() == 0 ? null : "start failed (exit " + r.code() + "): " + (r.err() + r.out()).trim();
        } catch (Client.Unreachable e) {
            return e.getMessage();
        }
    }

    /** Prints the table once a second until the lab is torn down (by a signal: it returns only then). */
    private void watch(LabNet.Plan plan, String hash, String title) {
        int shown = 0;
        while (!isClosing()) {
            List<LabTable.View> views = new ArrayList<>();
            for (LabNet.Member m : plan.members()) {
                views.add(view(m, hash));
            }
            List<String> lines = new ArrayList<>(LabTable.render(views, title, terminal));
            Process servers = servers();
            if (servers != null && !servers.isAlive()) {
                lines.add("The bootstrap server and relay exited: see " + dir.resolve("logs/servers.log"));
            }
            if (terminal) {
                lines = LabTable.clip(lines, terminalWidth());
            }
            synchronized (this) {
                if (closing) {
                    break;
                }
                if (terminal && shown > 0) {
                    out.print("\033[" + shown + "F\033[J"); // back to the table's first line, and clear below
                } else {
                    out.println(); // plain: a blank line between blocks; a terminal: after what was said above
                }
                lines.forEach(out::println);
                out.flush();
                shown = lines.size();
            }
            awaitClosing(1000 - System.currentTimeMillis() % 1000); // the next block at the next second of the clock
        }
        // the shutdown hook is tearing the lab down: main's System.exit waits for it, and the JVM halts after it
    }

    private LabTable.View view(LabNet.Member m, String hash) {
        Process daemon = daemonOf(m);
        if (daemon != null && !daemon.isAlive()) {
            return new LabTable.View(m, List.of(), "daemon exited (" + daemon.exitValue() + "): see " + log(m));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("hash", hash);
        body.put("json", true);
        try {
            Client.Reply r = new Client(dir.resolve(m.name()), Commands.DEFAULT_RPC_PORT, false).call("status", body, 2000);
            return r.code() == 0 ? LabTable.view(m, r.out()) : new LabTable.View(m, List.of(), "status: exit " + r.code());
        } catch (Client.Unreachable | IOException e) {
            return new LabTable.View(m, List.of(), "daemon not answering");
        }
    }

    /**
     * Removes the lab: every process it started and every {@code p2plab-*} namespace, then the
     * daemons' state and the record. Runs once (a shutdown hook, or a failed start).
     */
    private void tearDown() {
        List<Process> own;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            closed.countDown(); // the table and the wait for the servers stop at once
            own = List.copyOf(processes);
            out.println();
            out.println("Removing the lab ...");
            out.flush();
        }
        own.forEach(Process::destroy); // SIGTERM: the daemons stop their networks and exit
        try {
            LabNet.Swept swept = LabNet.sweep(GRACE_MILLIS, this::say);
            LabNet.stop(own.stream().map(Process::toHandle).toList(), 0);
            LabRecord.removeState(dir);
            say("Removed " + count(swept.namespaces().size(), "namespace") + " and " + count(own.size(), "process")
                    + "; logs kept in " + dir.resolve("logs"));
        } catch (IOException | RuntimeException e) {
            err.println("Removing the lab failed: " + e.getMessage() + ". Run p2p lab -down to try again.");
        }
    }

    /** Starts {@code bin/p2p ARGS} in namespace {@code ns} with state directory {@code state}, its output to {@code log}. */
    private Process spawn(String ns, Path state, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns, home.resolve("bin/p2p").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectInput(new File("/dev/null"));
        pb.environment().put("P2P_STATE_DIR", state.toString());
        synchronized (this) {
            checkNotClosing();
            Process p = pb.start();
            processes.add(p);
            return p;
        }
    }

    private synchronized Process daemonOf(LabNet.Member m) {
        return daemons.get(m.index());
    }

    private synchronized Process servers() {
        return servers;
    }

    private synchronized boolean isClosing() {
        return closing;
    }

    private synchronized void checkNotClosing() throws IOException {
        if (closing) {
            throw new IOException("the lab is being removed");
        }
    }

    private synchronized void say(String line) {
        out.println(line);
        out.flush();
    }

    private Path log(LabNet.Member m) {
        return dir.resolve("logs").resolve(m.name() + ".log");
    }

    /** The last lines of a log, to say why something did not start. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    /** The terminal's width, as {@code stty} says it (it may change between two redraws); 80 when it cannot. */
    private static int terminalWidth() {
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String[] size = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim()
                    .split("\\s+");
            return p.waitFor() == 0 && size.length == 2 && size[1].matches("[0-9]{1,4}") && !size[1].equals("0")
                    ? Integer.parseInt(size[1]) : 80;
        } catch (IOException e) {
            return 80;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 80;
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        return Stream.concat(Stream.of(path.split(":")), Stream.of("/usr/sbin", "/sbin"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
    }

    static String count(int n, String thing) {
        return n + " " + thing + (n == 1 ? "" : thing.endsWith("s") ? "es" : "s");
    }

    /** Waits until the lab is being removed, at most {@code millis}; true when it is. Interrupted, it returns at once, the interrupt kept. */
    private boolean awaitClosing(long millis) {
        try {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return isClosing();
        }
    }
}
