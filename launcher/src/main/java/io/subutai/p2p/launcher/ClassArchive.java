package io.subutai.p2p.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code p2p class-archive}: the training run of the distribution's class-data archive
 * ({@code lib/p2p.jsa}, docs/operations.md). {@code bin/p2p} runs it in a JVM that writes, when it
 * exits, every class it loaded (parsed, verified and laid out) to the archive
 * ({@code -XX:ArchiveClassesAtExit}); later JVMs of the same distribution map the archive instead of
 * loading those classes again. So the run loads what a start loads: it boots the daemon's framework
 * with its boot features in a throwaway state directory (no root needed: it starts no network and
 * sends nothing but to itself), asks its control API what the client commands ask, and exits.
 *
 * <p>The archive records where the distribution's jars are, their sizes and times, and the JVM that
 * made it; a JVM for which any of that differs does not use it, silently ({@code bin/p2p} turns the
 * JVM's warning off), and starts as if there were none.
 */
final class ClassArchive {

    static final long API_TIMEOUT_MS = 30_000;

    private ClassArchive() {
    }

    /**
     * @param state an empty directory of the run's own, which {@code bin/p2p} makes and removes once
     *              the JVM is gone (the framework runs, and writes there, until the JVM exits)
     */
    static int run(Path home, String version, Path state, PrintStream err) {
        try (Stream<Path> in = Files.list(state)) {
            if (in.findAny().isPresent()) {
                err.println("The training run needs an empty state directory of its own, not " + state
                        + " (bin/p2p class-archive makes one)");
                return 1;
            }
        } catch (IOException e) {
            err.println("The training run's state directory " + state + ": " + e.getMessage());
            return 1;
        }
        return train(home, version, state, err);
    }

    private static int train(Path home, String version, Path state, PrintStream err) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Daemon daemon = new Daemon(home, state, version, quiet, err).forTraining();
        AtomicInteger code = new AtomicInteger(-1);
        Parsed flags;
        try {
            flags = Commands.DAEMON.parse(
                    List.of("-rpc-port", Integer.toString(Commands.DEFAULT_RPC_PORT), "-log", "error"));
        } catch (UsageException e) {
            throw new IllegalStateException(e); // the daemon's own flags
        }
        Thread t = new Thread(() -> code.set(daemon.run(flags, true)), "p2p-class-archive");
        t.start();
        long deadline = System.nanoTime() + API_TIMEOUT_MS * 1_000_000;
        boolean up = false;
        while (!up && t.isAlive() && System.nanoTime() < deadline) { // a daemon that gives up ends its thread
            up = Await.listening(Client.socket(state, Commands.DEFAULT_RPC_PORT), 200);
        }
        if (!up) {
            try {
                while (t.isAlive() && !daemon.requestStop()) {
                    t.join(20); // until it runs a framework to stop, or gives up by itself
                }
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.println("The daemon's control API did not answer within " + API_TIMEOUT_MS + " ms (exit " + code.get()
                    + "): no archive made");
            return 1;
        }
        Main client = new Main(Map.of("P2P_STATE_DIR", state.toString()), quiet, quiet, InputStream.nullInputStream(),
                home, version);
        for (List<String> command : List.of(List.of("show"), List.of("status"), List.of("debug"),
                List.of("show", "-hash", "no-such-network"), List.of("version"), List.of("help"), List.of("help", "start"),
                List.of("start", "-ip", "not-an-ip", "-hash", "h", "-key", "k"))) {
            client.run(command);
        }
        // The framework keeps running until the JVM exits: stopped, its bundles' class loaders could
        // be collected before the JVM writes the archive, and their classes with them.
        return 0;
    }
}
