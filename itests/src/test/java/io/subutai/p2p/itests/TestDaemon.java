package io.subutai.p2p.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code bin/p2p daemon} of the built distribution running in a network namespace of the test,
 * with its own state directory and rpc port, and the real {@code bin/p2p} client to drive it.
 */
final class TestDaemon implements AutoCloseable {

    final Netns ns;
    final Path bin;
    final Path state;
    final int port;
    private final Path log;
    private Process process;

    TestDaemon(Netns ns, Path bin, Path state, int port) {
        this.ns = ns;
        this.bin = bin;
        this.state = state;
        this.port = port;
        this.log = state.resolveSibling(state.getFileName() + ".log");
    }

    private final Map<String, String> extraEnv = new java.util.HashMap<>();

    /** The daemon and its clients run with this variable too (e.g. P2P_JAVA_OPTS). */
    TestDaemon withEnv(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    Map<String, String> env() {
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("P2P_STATE_DIR", state.toString());
        return env;
    }

    /** Starts the daemon with these extra flags and waits until its API answers. */
    TestDaemon start(String... flags) throws IOException {
        launch(flags);
        awaitApi();
        return this;
    }

    /** Starts the daemon and returns at once. */
    TestDaemon launch(String... flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "daemon", "-rpc-port", Integer.toString(port)));
        cmd.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(ns.wrap(cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env());
        process = pb.start();
        return this;
    }

    /** The daemon's control socket. */
    Path socket() {
        return state.resolve("control").resolve("rpc-" + port + ".sock");
    }

    /**
     * Waits for the API: first for its control socket (a cheap check that does not compete with the
     * starting daemon for the CPU, as starting clients would), then for a client call to work.
     */
    void awaitApi() {
        Path socket = socket();
        Await.require(() -> !process.isAlive() || Files.exists(socket), Duration.ofSeconds(30),
                () -> "the daemon made no control socket; log:\n" + logQuietly());
        Await.require(() -> {
            try {
                return process.isAlive() && p2p("show").code() == 0;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), () -> "the daemon's API never answered; log:\n" + logQuietly());
    }

    Process process() {
        return process;
    }

    /** Runs the client with the daemon's rpc port; {@code version} and {@code help} take it too. */
    Netns.Result p2p(String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), command, "-rpc-port", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return Netns.exec(ns.wrap(cmd), env());
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    String logQuietly() {
        try {
            return log();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** SIGKILL, as a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
