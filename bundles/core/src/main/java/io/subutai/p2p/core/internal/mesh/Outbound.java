package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.TapDevice;

/**
 * The TAP's frames to the peers (wireguard-go's {@code send.go}, Nebula's {@code inside.go}):
 * the TAP thread ({@code p2p-tap-NAME}) reads batches of frames, the switch says which peer each
 * is for (or all), and each is sealed in place (the batch keeps a byte of headroom for the inner
 * type) into its peer's batch, which leaves in one system call at the end of the TAP's batch. A
 * peer still in its handshake keeps the frames until it completes. A TAP that can wait apart from
 * reading also lets the receive thread send what the kernel answered at once ({@link #readNow}),
 * under the same lock as the TAP thread, which keeps the frames' order.
 *
 * <p>When the TAP has a descriptor and the socket can watch it ({@link DatagramPort#watch}), the
 * socket's thread serves both, as tinc's and Nebula's one loop does: it waits for the TAP and the
 * socket together and reads the TAP's frames itself ({@link #drain}), and the TAP thread sleeps
 * until the TAP is given back (the socket or the device goes, or the device fails). With two
 * threads, each frame the kernel answered at once (an echo reply, an acknowledgement) woke the TAP
 * thread for nothing, at the receive thread's cost, inside its write to the TAP.
 */
final class Outbound {

    /** Batches the socket's thread reads from the TAP in one turn, before it looks at the socket again. */
    static final int DRAIN_BATCHES = 8;
    /** Turns in a row that found the TAP readable and no frame in it, after which the TAP thread takes it back. */
    static final int IDLE_DRAINS = 64;

    private final TapDevice tap;
    private final PollableTapDevice pollable; // null when the TAP cannot wait apart from reading
    private final EthernetSwitch<Peer> sw;
    private final Map<PeerId, Peer> peers;
    private final Sender sender;
    private final MeshCounters counters;
    private final FloodReplay floods;
    private final ControlLoop clock;
    private final MeshLog log;
    private final Thread reader;
    /** Where the TAP thread hands the TAP over to, when it can watch the TAP's descriptor. */
    private final DatagramPort socket;

    /** Held while frames are read from the TAP and sent, by the TAP thread or the receive thread. */
    private final ReentrantLock txLock = new ReentrantLock();
    // guarded by txLock
    private FrameBatch replies;
    private int idleDrains;
    private final List<Peer> touched = new ArrayList<>();
    /** Whether the TAP thread waits apart from reading (so the receive thread may read). */
    private volatile boolean tapWaits;
    private final PathFit fit;
    private volatile boolean closed;
    private final Object handLock = new Object();
    /** Whether the socket's thread serves the TAP ({@link #handOff}); the TAP thread sleeps meanwhile. */
    private volatile boolean handedOff;
    // guarded by handLock
    private AutoCloseable watch;
    private int generation;

    Outbound(Mesh.Parts parts, EthernetSwitch<Peer> sw, Sender sender, FloodReplay floods) {
        this.tap = parts.config().tap();
        this.pollable = tap instanceof PollableTapDevice p ? p : null;
        this.sw = sw;
        this.peers = parts.peers();
        this.sender = sender;
        this.counters = parts.counters();
        this.floods = floods;
        this.fit = parts.fit();
        this.clock = parts.config().loop();
        this.log = parts.config().log();
        this.socket = parts.config().socket();
        if (tap instanceof TapSlot slot) {
            slot.onRelease(this::handBack);
        }
        this.reader = new Thread(this::readTap, "p2p-tap-" + parts.config().name());
        this.reader.setDaemon(true);
    }

    void start() {
        reader.start();
    }

    /** A batch for the TAP's frames, with a byte of headroom in front of each for the inner type. */
    private FrameBatch batch() {
        return tap.offload() ? new FrameBatch(8, TapDevice.MAX_FRAME, true, 1)
                : new FrameBatch(32, Math.min(TapDevice.MAX_FRAME, Math.max(tap.mtu(), Wire.MAX_DATAGRAM) + 64), true, 1);
    }

    private void readTap() {
        FrameBatch batch = batch();
        try {
            if (pollable == null) {
                while (!closed) {
                    int n = tap.read(batch);
                    txLock.lock();
                    try {
                        route(batch, n);
                    } finally {
                        txLock.unlock();
                    }
                }
                return;
            }
            tapWaits = true;
            while (!closed) {
                int n;
                txLock.lock();
                try {
                    n = pollable.readNow(batch);
                    route(batch, n);
                } finally {
                    txLock.unlock();
                }
                if (n == 0) {
                    if (!handOff()) {
                        pollable.awaitFrames();
                        continue;
                    }
                    while (handedOff && !closed) {
                        LockSupport.park(this);
                    }
                }
            }
        } catch (IOException e) {
            if (!closed) {
                counters.tapErrors.incrementAndGet();
                log.warn("TAP " + tap.name() + " failed: " + e.getMessage());
            }
        }
    }

    /**
     * Gives the TAP to the socket's thread: it waits for the TAP's descriptor together with the
     * socket and reads the frames ({@link #drain}), and this thread sleeps until it is given back.
     *
     * @return false when the TAP or the socket cannot
     */
    private boolean handOff() {
        int fd = pollable.descriptor();
        if (fd < 0) {
            return false;
        }
        int g;
        synchronized (handLock) {
            g = ++generation;
            handedOff = true;
        }
        AutoCloseable w;
        try {
            w = socket.watch(fd, this::drain, () -> handBack(g));
        } catch (RuntimeException e) { // a port that failed to: this thread waits for the TAP itself
            w = null;
        }
        synchronized (handLock) {
            if (w != null && generation == g && handedOff) {
                watch = w;
                return true;
            }
            if (generation == g) {
                handedOff = false;
            }
        }
        closeQuietly(w); // given back meanwhile
        return false;
    }

    /** The TAP's frames, on the socket's thread, while it watches the TAP's descriptor. */
    private void drain() {
        txLock.lock();
        try {
            if (replies == null) {
                replies = batch();
            }
            int n = 0;
            for (int i = 0; i < DRAIN_BATCHES && !closed; i++) { // then the socket's turn: the loop comes back while the TAP has more
                n = pollable.readNow(replies);
                if (n == 0) {
                    break;
                }
                route(replies, n);
                idleDrains = 0;
            }
            if (n == 0 && ++idleDrains >= IDLE_DRAINS) {
                handBack(); // readable and nothing to read, again and again: the TAP thread's own wait says why
            }
        } catch (IOException e) {
            handBack(); // the TAP thread meets the failure, and reports it
        } finally {
            txLock.unlock();
        }
    }

    /** The TAP thread waits for the TAP itself again (the socket or the device went, or it failed). */
    private void handBack() {
        handBack(-1);
    }

    /** @param g the hand-off that was lost (-1: whichever is in force) */
    private void handBack(int g) {
        AutoCloseable w;
        synchronized (handLock) {
            if (!handedOff || g != -1 && g != generation) {
                return;
            }
            handedOff = false;
            generation++;
            w = watch;
            watch = null;
        }
        closeQuietly(w);
        LockSupport.unpark(reader);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // gone already
        }
    }

    /**
     * On the receive thread, after a frame was written to the TAP: what the kernel answered at
     * once (an echo reply, a TCP acknowledgement) is sent from here, without waking the TAP
     * thread, which is one thread wake-up less on each round trip. Skipped when the TAP thread is at work.
     */
    void readNow() {
        if (!tapWaits || !txLock.tryLock()) {
            return;
        }
        try {
            if (replies == null) {
                replies = batch();
            }
            route(replies, pollable.readNow(replies));
        } catch (IOException e) {
            // the TAP thread reports a failed device
        } finally {
            txLock.unlock();
        }
    }

    /** Sends the frames read from the TAP, each to the peer its destination is behind, or to all. Caller holds txLock. */
    private void route(FrameBatch batch, int n) {
        int eth = tap.offload() ? Offload.HEADER : 0;
        long now = clock.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                ByteBuffer frame = batch.withHeadroom(i);
                int from = frame.position();
                int to = frame.limit();
                frame.position(from + eth); // the switch looks at the Ethernet header
                if (!EthernetSwitch.isFrame(frame)) {
                    continue;
                }
                try {
                    Peer dst = sw.route(frame, now);
                    if (dst != null) {
                        send(dst, frame, from, to, now);
                    } else {
                        for (Peer p : peers.values()) {
                            send(p, frame, from, to, now);
                        }
                        if ((frame.get(from + eth) & 1) != 0 && to - from <= 2 * Wire.MAX_DATAGRAM) {
                            floods.remember(frame, from, to, now); // broadcast or multicast: ARP, ND, DHCP
                        }
                    }
                } catch (RuntimeException e) {
                    counters.sendFailures.incrementAndGet(); // one frame lost; the reader goes on
                }
            }
        } finally {
            flushTouched();
        }
    }

    /** Sends a frame to {@code p}, or keeps it while the peer's handshake runs. */
    private void send(Peer p, ByteBuffer frame, int from, int to, long now) {
        synchronized (p) {
            PeerState s = p.state();
            if (p.keypairs.current() == null || p.endpoint == null || s != PeerState.CONNECTED) {
                if (s == PeerState.WAITING_CONNECTION || s == PeerState.INITIALIZING_CONNECTION
                        || s == PeerState.INITIALIZING) {
                    p.send.hold(frame, from, to);
                }
                return;
            }
            if (fit.tooBigLocked(p, frame, from, to, tap.offload(), now)) {
                return; // answered: too big for the path, and not to be fragmented
            }
            sender.frameLocked(p, frame, from, to, true, now);
            if (!p.send.touched) {
                p.send.touched = true;
                touched.add(p);
            }
        }
    }

    /** Sends the batches of the peers this TAP batch went to. */
    private void flushTouched() {
        for (Peer p : touched) {
            synchronized (p) {
                p.send.touched = false;
                try {
                    sender.flushLocked(p);
                } catch (RuntimeException e) {
                    counters.sendFailures.incrementAndGet();
                }
            }
        }
        touched.clear();
    }

    /** Stops the TAP thread: closes the TAP (which wakes it) and waits for it. */
    void close() {
        closed = true;
        handBack();
        LockSupport.unpark(reader);
        try {
            tap.close();
        } catch (IOException e) {
            log.warn("Closing " + tap.name() + ": " + e.getMessage());
        }
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
