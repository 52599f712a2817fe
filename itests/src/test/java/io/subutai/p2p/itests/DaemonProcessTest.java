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

        Path token = state.resolve("p2p/api.token");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(token));
        String noToken = rawRequest(null);
        assertTrue(noToken.startsWith("HTTP/1.1 401"), noToken);
        assertFalse(noToken.contains("Exception"), noToken);
        String withToken = rawRequest(Files.readString(token).trim());
        assertTrue(withToken.startsWith("HTTP/1.1 200"), "the same request with the token is served: " + withToken);

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
        assertFalse(Files.exists(token), "the API token is removed at stop");
        System.out.println("SIGTERM to exit: " + ms + " ms");
        assertEquals(distBefore, listing(P2pOptions.dist()), "the daemon wrote into the distribution");
    }

    @Test
    void busyPortAndSharedStateDirectoryAreRefused() throws Exception {
        daemon = td.start().process();
        Netns.Result same = p2p("daemon", "-rpc-port", Integer.toString(port + 1));
        assertEquals(1, same.code());
        assertTrue(same.err().contains("Another p2p daemon uses the state directory"), same.err());

        List<String> cmd = List.of(p2p.toString(), "daemon", "-rpc-port", Integer.toString(port));
        Netns.Result busy = Netns.exec(ns.wrap(cmd), Map.of("P2P_STATE_DIR", state.resolve("other").toString()));
        assertEquals(98, busy.code());
        assertTrue(busy.err().contains("Failed to start HTTP listener"), busy.err());
        assertTrue(daemon.isAlive(), "the running daemon is untouched");
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

    /** An HTTP request on the daemon's socket, from inside the namespace, with or without the token. */
    private String rawRequest(String token) throws Exception {
        String auth = token == null ? "" : "Authorization: Bearer " + token + "\\r\\n";
        String script = "exec 3<>/dev/tcp/127.0.0.1/" + port + "; printf 'POST /rest/v1/version HTTP/1.0\\r\\n" + auth
                + "Content-Length: 2\\r\\n\\r\\n{}' >&3; cat <&3";
        return Netns.exec(ns.wrap(List.of("bash", "-c", script))).out();
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
