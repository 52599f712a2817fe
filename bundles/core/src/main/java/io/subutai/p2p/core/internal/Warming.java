package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Secrets;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.WarmPair;
import io.subutai.p2p.core.internal.mesh.WarmUp;
import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.UdpSocket;

/**
 * What the daemon runs so that a network's first frames do not pay for a cold JVM: at boot, what
 * each start needs loaded (the TAP driver's natives, the node key, a handshake and a packet through
 * a socket, a small Argon2id stretch); then, on a thread of its own, the data path itself over a
 * loopback pair ({@link WarmPair}), on a thread of its own. Measured: without the boot part a
 * fresh daemon's first start took ~0.7 s longer to its first ping; without the pair the first
 * seconds of a tunnel ran interpreted, at 2-2.5 ms a round trip where compiled code takes 0.5.
 */
final class Warming implements AutoCloseable {

    private final Suites suites;
    private final Path stateDir;
    private final MeshLog log;
    // guarded by this
    private WarmPair pair;
    private Thread thread;
    private boolean closed;

    Warming(Suites suites, Path stateDir, MeshLog log) {
        this.suites = suites;
        this.stateDir = stateDir;
        this.log = log;
    }

    /** Once the socket provider and a crypto suite are there; on the engine's thread. */
    void atBoot(SocketProvider sp, Optional<TapDriver> tap) {
        List<Suites.Suite> all = suites.all();
        if (all.isEmpty()) {
            return;
        }
        tap.ifPresent(t -> {
            try {
                t.availability(); // a native driver binds its natives here
            } catch (RuntimeException | LinkageError e) {
                log.debug("Warm-up of the TAP driver: " + e);
            }
        });
        try (UdpSocket socket = sp.openOn("warm-up", InetAddress.getLoopbackAddress())) { // nothing else may reach it
            NodeKeys.load(stateDir.resolve("node.key"), all.get(0).impl(), log);
            for (Suites.Suite s : all) {
                WarmUp.run(s.impl(), socket, log);
            }
            Secrets.warmUp();
        } catch (IOException | RuntimeException e) {
            log.debug("Warm-up: " + e);
        }
    }

    /**
     * The loopback pair, in the background, on the TAP driver's own loopback pair when it has one;
     * once per daemon (later calls find it made). Started at boot, so that the data path is
     * compiled before any network's first frame, however soon its peers answer; a network's start
     * asks again in case the boot could not (its socket provider or driver came later).
     *
     * @param tap the TAP driver in use (null: none)
     */
    synchronized void pair(SocketProvider sp, TapDriver tap) {
        if (pair != null || closed) {
            return;
        }
        WarmPair p = new WarmPair(suites, sp, tap, log);
        pair = p;
        thread = new Thread(() -> {
            p.run();
            if (!p.closed()) {
                // The boot (and a first start) left the heap grown by key stretching (Argon2id's 16 MiB per
                // secret) and by the pair's frames: one full collection shrinks it back
                // (-XX:MaxHeapFreeRatio, -XX:-ShrinkHeapInSteps), some 15-20 MB resident, once.
                System.gc();
            }
        }, "p2p-core-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** Ends the pair's run and waits for its thread. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            if (pair != null) {
                pair.close();
            }
            t = thread;
        }
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
