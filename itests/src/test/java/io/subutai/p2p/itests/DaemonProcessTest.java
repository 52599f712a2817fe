package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built distribution as a user runs it: {@code bin/p2p daemon} inside a network namespace the
 * test creates, with its own state directory and rpc port, driven by the real {@code bin/p2p}
 * client. Needs root (network namespaces, and the daemon refuses to run without it).
 */
class DaemonProcessTest {

    private static Path p2p;

    @TempDir
    Path state;

    private Netns ns;
    private TestDaemon td;
    private Process daemon;
    private int port;

    @BeforeAll
    static void needsRoot() {
        if (!Netns.isRoot()) {
            System.err.println("\n*** SKIPPED: DaemonProcessTest needs root (network namespaces, p2p daemon). "
                    + "CI runs as root; run the suite as root to include it. ***\n");
        }
        assumeTrue(Netns.isRoot(), "DaemonProcessTest needs root");
        p2p = P2pOptions.dist().resolve("bin/p2p");
        assertTrue(Files.isExecutable(p2p), p2p + " is not an executable: build the distribution first");
    }

    @BeforeEach
    void namespace() throws Exception {
        ns = Netns.create("proc");
        port = ThreadLocalRandom.current().nextInt(20000, 60000);
        td = new TestDaemon(ns, p2p, state.resolve("p2p"), port);
    }

    @AfterEach
    void cleanUp() throws Exception {
        td.close();
        ns.close();
    }

    private Map<String, String> env() {
        return td.env();
    }

    private Netns.Result p2p(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(p2p.toString()));
        cmd.addAll(List.of(args));
        return Netns.exec(ns.wrap(cmd), env());
    }

    private String log() throws IOException {
        return td.log();
    }

    @Test
    void daemonServesTheCliRefusesTokenlessRequestsAndStopsOnSigterm() throws Exception {
        Map<String, Long> distBefore = listing(P2pOptions.dist());
        daemon = td.start().process();
        String rpc = Integer.toString(port);

        Netns.Result version = p2p("version");
        assertEquals(0, version.code());
        assertTrue(version.out().matches("\\d+\\.\\d+\\.\\d+.*\n"), version.out());

        Netns.Result show = p2p("show", "-rpc-port", rpc);
        assertEquals(new Netns.Result(0, "", "", 0), new Netns.Result(show.code(), show.out(), show.err(), 0));

        Netns.Result shell = p2p("shell", "-rpc-port", rpc, "p2p:version");
        assertEquals(0, shell.code(), shell.err());
        assertEquals(version.out(), shell.out());
        Netns.Result mtu = p2p("shell", "-rpc-port", rpc, "p2p:show -mtu");
        assertEquals("1500\n", mtu.out());
        Netns.Result unknown = p2p("shell", "-rpc-port", rpc, "p2p:show -hash nothing");
        assertEquals(15, unknown.code());
        assertEquals("Specified environment was not found\n", unknown.err());
        Netns.Result gone = p2p("shell", "-rpc-port", rpc, "no-such-command");
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("not found"), gone.err());

        // the API is a Unix socket in a root-only directory, and no TCP port is open
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(td.socket().getParent()));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(td.socket()));
        assertFalse(Files.exists(state.resolve("p2p/api.token")), "no API token without -rpc-tcp");
        assertTrue(Netns.exec(ns.wrap(List.of("ss", "-Htln"))).out().isBlank(), "nothing listens on TCP");

        Netns.Result noDaemonHere = Netns.exec(ns.wrap(List.of(p2p.toString(), "show", "-rpc-port",
                Integer.toString(port + 1))), env());
        assertEquals(115, noDaemonHere.code());
        assertEquals(1, noDaemonHere.err().strip().split("\n").length, noDaemonHere.err());

        long t0 = System.nanoTime();
        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(2, TimeUnit.SECONDS), "the daemon did not stop within 2 s of SIGTERM; log:\n" + log());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, daemon.exitValue(), log());
        assertTrue(log().contains("Received signal: terminated"), log());
        assertTrue(log().contains("P2P Daemon stopped"), log());
        assertEquals(List.of(), log().lines().filter(l -> !l.matches("\\[[A-Z]+\\] \\d{4}/\\d\\d/\\d\\d .*")).toList(),
                "the daemon's output is its log alone: no word of the JVM's (an option it could not read, a warning)");
        assertFalse(Files.exists(td.socket()), "the control socket is removed at stop");
        System.out.println("SIGTERM to exit: " + ms + " ms");
        assertEquals(distBefore, listing(P2pOptions.dist()), "the daemon wrote into the distribution");
    }

    @Test
    void busyPortAndSharedStateDirectoryAreRefused() throws Exception {
        daemon = td.start("-rpc-tcp").process();
        Netns.Result same = p2p("daemon", "-rpc-port", Integer.toString(port + 1));
        assertEquals(1, same.code());
        assertTrue(same.err().contains("Another p2p daemon uses the state directory"), same.err());

        List<String> cmd = List.of(p2p.toString(), "daemon", "-rpc-tcp", "-rpc-port", Integer.toString(port));
        Netns.Result busy = Netns.exec(ns.wrap(cmd), Map.of("P2P_STATE_DIR", state.resolve("other").toString()));
        assertEquals(98, busy.code());
        assertTrue(busy.err().contains("Failed to start the control API's TCP listener"), busy.err());
        assertTrue(daemon.isAlive(), "the running daemon is untouched");

        // over TCP, asked for, the client and the daemon prove the token to each other
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(state.resolve("p2p/api.token")));
        Netns.Result tcp = p2p("shell", "-rpc-tcp", "-rpc-port", Integer.toString(port), "p2p:show -mtu");
        assertEquals("1500\n", tcp.out(), tcp.err());
        String raw = Netns.exec(ns.wrap(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                + "; printf 'P2PCTL/1 version 0\\n' >&3; cat <&3"))).out();
        assertTrue(raw.startsWith("P2PCTL/1 400 "), "no proof, no service: " + raw);
    }

    /**
     * H5 end to end: a non-root process holding the old rpc port on TCP receives nothing of
     * {@code p2p start -hash H -key K}, and does not keep the daemon's API from working.
     */
    @Test
    void aNonRootProcessOnTheRpcPortReceivesNothingAndTheApiWorks() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "setpriv and python3 are needed");
        String script = "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                + "s.bind(('127.0.0.1'," + port + "))\ns.listen()\nprint('ready',flush=True)\n"
                + "while True:\n  c,_=s.accept()\n  c.settimeout(2)\n  try:\n    d=c.recv(65536)\n  except Exception:\n    d=b''\n"
                + "  print('got:'+d.hex(),flush=True)\n  c.close()\n";
        Path said = state.resolve("squatter.out");
        Process squatter = new ProcessBuilder(ns.wrap(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", script))).redirectErrorStream(true).redirectOutput(said.toFile()).start();
        try {
            Await.require(() -> readQuietly(said).startsWith("ready\n") || !squatter.isAlive(), Duration.ofSeconds(10),
                    () -> "the squatter did not start: " + readQuietly(said));
            assertEquals("ready\n", Files.readString(said), "the squatter holds 127.0.0.1:" + port);
            daemon = td.start().process();
            String secret = "Kk8-squatter-test-key-Zz2";
            Netns.Result start = td.p2p("start", "-hash", "Hq5-squatter-hash-Mm3", "-key", secret, "-ip", "10.77.0.1/24");
            assertEquals(0, start.code(), start.err());
            assertEquals(0, td.p2p("show").code());
            Netns.Result tcp = td.p2p("status", "-rpc-tcp");
            assertEquals(1, tcp.code());
            assertTrue(tcp.err().contains("not running") && tcp.err().contains("no API token"), tcp.err());
            Netns.Result nobody = as(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), "status",
                    "-rpc-port", Integer.toString(port));
            assertEquals(1, nobody.code());
            assertTrue(nobody.err().contains("Permission denied"), "without -rpc-group, root only: " + nobody.err());
            assertTrue(squatter.isAlive(), "the squatter still holds the port");
            assertEquals("ready\n", Files.readString(said), "the squatter received no connection");
            assertFalse(log().contains(secret) || log().contains("Hq5-squatter-hash-Mm3"), "neither key nor hash is logged (L4)");
        } finally {
            squatter.destroyForcibly();
        }
    }

    /**
     * A non-root user outside the rpc group is refused every command; with {@code -rpc-group G},
     * a member of G (by a supplementary group) runs status and show, but not start or stop.
     */
    @Test
    void theRpcGroupMayReadAndOthersNothing() throws Exception {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        String group = "p2pt-g" + suffix;
        String user = "p2pt-u" + suffix;
        assertEquals(0, Netns.exec(List.of("groupadd", group)).code());
        try {
            Netns.Result add = Netns.exec(List.of("useradd", "-M", "-N", "-g", "nogroup", "-G", group, "-s", "/usr/sbin/nologin", user));
            assertEquals(0, add.code(), add.err());
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx--x--x")); // the test's temporary directory
            daemon = td.start("-rpc-group", group).process();
            assertEquals(PosixFilePermissions.fromString("rwxr-x---"), Files.getPosixFilePermissions(td.socket().getParent()));
            String rpc = Integer.toString(port);
            for (String c : List.of("status", "show", "debug")) {
                Netns.Result r = as(List.of("runuser", "-u", user, "--"), c, "-rpc-port", rpc);
                assertEquals(0, r.code(), c + ": " + r.err());
            }
            for (String[] c : new String[][] {{"start", "-hash", "Hq5-member-hash-Mm3", "-ip", "10.78.0.1/24"},
                {"stop", "-hash", "Hq5-member-hash-Mm3"}, {"set", "-log", "debug"}, {"shell", "p2p:version"}}) {
                List<String> args = new ArrayList<>(List.of("-rpc-port", rpc));
                args.addAll(List.of(c).subList(1, c.length)); // the shell's command line comes after the flags
                Netns.Result r = as(List.of("runuser", "-u", user, "--"), c[0], args.toArray(new String[0]));
                assertEquals(1, r.code(), c[0] + ": " + r.out() + r.err());
                assertTrue(r.err().contains("only root may run '" + c[0] + "'"), r.err());
            }
            assertTrue(td.p2p("show").out().isEmpty(), "no network was started");
            for (String c : List.of("status", "show", "debug", "start", "stop")) {
                Netns.Result r = as(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), c,
                        c.startsWith("st") ? new String[] {"-rpc-port", rpc, "-hash", "Hq5-other-hash-Mm3"} : new String[] {"-rpc-port", rpc});
                assertTrue(r.code() != 0, c);
                assertTrue(r.err().contains("Permission denied"), c + ": " + r.err());
            }
        } finally {
            Netns.exec(List.of("userdel", user));
            Netns.exec(List.of("groupdel", group));
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** The client as another user: {@code prefix} (runuser or setpriv) then {@code bin/p2p command args}. */
    private Netns.Result as(List<String> prefix, String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(p2p.toString());
        cmd.add(command);
        cmd.addAll(List.of(args));
        return Netns.exec(ns.wrap(cmd), env());
    }

    @Test
    void aStateDirectoryOtherUsersMayWriteToIsRefused() throws Exception {
        Path open = Files.createDirectories(state.resolve("open"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> cmd = List.of(p2p.toString(), "daemon", "-rpc-port", Integer.toString(port));
        Netns.Result r = Netns.exec(ns.wrap(cmd), Map.of("P2P_STATE_DIR", open.toString()));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("Refusing to start: the state directory " + open + " is writable by other users than root"
                + " (rwxrwxrwx), and the root daemon loads from it: chmod go-w " + open), r.err());
        assertFalse(Files.exists(open.resolve("node.key")) || Files.exists(open.resolve("api.token")), "nothing was made in it");
    }

    @Test
    void daemonRefusesToRunWithoutRoot() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is needed");
        List<String> cmd = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                p2p.toString(), "daemon", "-rpc-port", Integer.toString(port));
        Netns.Result r = Netns.exec(ns.wrap(cmd), Map.of("P2P_STATE_DIR", state.resolve("nobody").toString()));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("P2P cannot run in daemon mode without root privileges"), r.err());
        assertFalse(Files.exists(state.resolve("nobody")), "nothing was written");
    }

    @Test
    void bundlesAndServerConfigurationsDroppedIntoDeployComeAndGoAndSigintStops() throws Exception {
        // a private copy of the distribution: this test writes into its deploy/ folder, as a user would
        Path copy = state.resolve("dist");
        Netns.Result cp = Netns.exec(List.of("cp", "-a", P2pOptions.dist().toString(), copy.toString()));
        assertEquals(0, cp.code(), cp.err());
        td = new TestDaemon(ns, copy.resolve("bin/p2p"), state.resolve("p2p"), port);
        daemon = td.start().process();
        String rpc = Integer.toString(port);
        Path jar = Path.of(System.getProperty("maven.repo.local"),
                "org/apache/felix/org.apache.felix.eventadmin/1.6.4/org.apache.felix.eventadmin-1.6.4.jar");
        Path dropped = copy.resolve("deploy/eventadmin.jar");
        Files.copy(jar, dropped);
        Await.require(() -> lb(rpc).lines().anyMatch(l -> l.contains("Active") && l.contains("deploy/eventadmin.jar")),
                Duration.ofSeconds(20), () -> "the dropped bundle did not start:\n" + lb(rpc));
        Files.delete(dropped);
        Await.require(() -> !lb(rpc).contains("eventadmin.jar"), Duration.ofSeconds(20),
                () -> "the removed bundle is still there:\n" + lb(rpc));

        // a server's configuration dropped there: the member installs feature p2p-servers and runs the server
        assertFalse(lb(rpc).contains("/io/subutai/p2p/servers/"), "a member runs no server bundle by default");
        Path cfg = copy.resolve("deploy/io.subutai.p2p.dht.server.cfg");
        Files.writeString(cfg, "listen = 127.0.0.1:6881\n");
        Await.require(() -> udpListening(6881), Duration.ofSeconds(20), () -> "no bootstrap server on :6881:\n" + lb(rpc));
        assertTrue(lb(rpc).contains("/io/subutai/p2p/servers/"), lb(rpc));
        assertTrue(log().contains("Feature p2p-servers installed: configuration io.subutai.p2p.dht.server asks"), log());
        Files.delete(cfg);
        Await.require(() -> !udpListening(6881), Duration.ofSeconds(20), () -> "the server outlived its configuration");

        Netns.Result kill = Netns.exec(List.of("kill", "-INT", Long.toString(daemon.pid())));
        assertEquals(0, kill.code(), kill.err());
        assertTrue(daemon.waitFor(2, TimeUnit.SECONDS), "the daemon did not stop within 2 s of SIGINT; log:\n" + log());
        assertEquals(0, daemon.exitValue(), log());
        assertTrue(log().contains("Received signal: interrupt"), log());
    }

    /** Whether something in the namespace listens on UDP {@code port}. */
    private boolean udpListening(int port) {
        try {
            return !Netns.exec(ns.wrap(List.of("ss", "-Huln", "sport = :" + port))).out().isBlank();
        } catch (Exception e) {
            return false;
        }
    }

    /** {@code lb -l} in the daemon: bundles with their locations. */
    private String lb(String rpc) {
        try {
            return p2p("shell", "-rpc-port", rpc, "lb -l").out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void theClassArchiveAndTheBundleCacheServeStartsAndAMovedDistributionStartsWithoutTheArchiveQuietly() throws Exception {
        Path archive = P2pOptions.dist().resolve("lib/p2p.jsa");
        assertTrue(Files.isRegularFile(archive), "the build makes the class-data archive " + archive);

        // -Xshare:on: a JVM that cannot use the archive refuses to start, rather than falling back
        Path loaded = state.resolve("class-load.txt");
        td.withEnv("P2P_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info:file=" + loaded).start();
        String classes = Files.readString(loaded);
        for (String cls : List.of("io.subutai.p2p.launcher.Main", "org.apache.felix.framework.Felix",
                "io.subutai.p2p.core.internal.Engine", "io.subutai.p2p.control.internal.ControlServer")) {
            assertTrue(classes.lines().anyMatch(l -> l.contains(" " + cls + " source: shared objects file")),
                    cls + " is not mapped from the archive:\n" + classes.lines().filter(l -> l.contains(cls)).toList());
        }
        td.close();

        // started again with nothing changed, the daemon takes the bundle cache as it was
        Path bundle1 = state.resolve("p2p/cache/bundle1");
        java.nio.file.attribute.FileTime installed = Files.getLastModifiedTime(bundle1);
        td.withEnv("P2P_JAVA_OPTS", "").start();
        assertEquals(installed, Files.getLastModifiedTime(bundle1), "the bundle cache was cleared and filled again");
        assertEquals(0, td.p2p("show").code());
        td.close();

        // moved, the distribution's archive names jars that are not where they were: it is ignored in silence
        Path moved = state.resolve("moved");
        copy(P2pOptions.dist(), moved);
        TestDaemon elsewhere = new TestDaemon(ns, moved.resolve("bin/p2p"), state.resolve("p2p-moved"), port);
        try (elsewhere) {
            elsewhere.start();
            Netns.Result version = elsewhere.p2p("version");
            assertEquals(0, version.code(), version.err());
            assertTrue(version.out().matches("\\d+\\.\\d+\\.\\d+[^\n]*\n"), "only the version: " + version.out());
            assertEquals("", version.err());
            assertEquals(0, elsewhere.p2p("show").code());
            assertFalse(elsewhere.log().contains("cds") || elsewhere.log().contains("shared archive"), elsewhere.log());
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static Map<String, Long> listing(Path root) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                out.put(root.relativize(p).toString(), Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }
}
