package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDriver;

/**
 * Runs the data path before the first real packet: two meshes of throwaway keys, each on its own
 * TAP without an interface and its own UDP socket on the loopback interface, ping frames between
 * them, both sizes, a few thousand round trips (about 1 s of CPU). The TAPs are the driver's own
 * {@linkplain TapDriver#openLoopback loopback pairs} ({@link DriverLoop}) where it has them, so
 * that the code compiled is the code real frames take: HotSpot compiles a call for the classes it
 * saw there, and a device of another class at the first real frame would send the TAP thread's
 * loop back to the interpreter for minutes of low traffic. {@link LoopTap} otherwise. HotSpot compiles a method only after
 * thousands of calls: without this, the first seconds of every tunnel ran interpreted, at 2 ms a
 * round trip where the compiled path takes 0.5. Everything a real frame passes through runs here
 * (the TAP reader, the switch, handshake and sessions, sealing, the socket's sends and receives
 * through Netty, opening, the TAP writer) but the kernel's TAP. Nothing leaves the machine: both
 * sockets are bound to 127.0.0.1 alone (a socket provider that cannot bind one address gets no
 * pair) and talk to each other only.
 *
 * <p>{@link #run} blocks its caller until done, {@link #LIMIT_MS} at most; {@link #close} (from any
 * thread) ends it early.
 */
public final class WarmPair implements AutoCloseable {

    /** Round trips: enough for the optimising compiler (C2, ~10 000 calls) to take the per-frame methods. */
    public static final int ROUND_TRIPS = 6000;
    static final int WINDOW = 4;
    static final long LIMIT_MS = 10_000;
    private static final MacAddress MAC_A = MacAddress.parse("06:70:32:70:00:0a");
    private static final MacAddress MAC_B = MacAddress.parse("06:70:32:70:00:0b");
    private static final MacAddress MAC_HOST = MacAddress.parse("06:70:32:70:00:0c");

    private final Suites suites;
    private final SocketProvider sockets;
    private final TapDriver driver;
    private final MeshLog log;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicInteger requested = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private volatile boolean closed;
    private volatile Side tapA;
    private volatile Side tapB;

    /** What a mesh of the pair gets as its TAP, and how the pair plays the host behind it. */
    interface Side {
        /** The engine's device. */
        PollableTapDevice device();

        /** A frame (Ethernet, without offload header) for the engine to read. */
        void inject(byte[] frame);

        /** Ends it; frames injected afterwards are dropped. */
        void close();
    }

    /** @param driver the TAP driver in use (null: none), whose loopback pair the meshes get when it has one */
    public WarmPair(Suites suites, SocketProvider sockets, TapDriver driver, MeshLog log) {
        this.suites = suites;
        this.sockets = sockets;
        this.driver = driver;
        this.log = log;
    }

    private Side side(String name, MacAddress mac, Consumer<ByteBuffer> written) {
        if (driver != null) {
            try {
                var ends = driver.openLoopback(mac, MAC_HOST, 1500);
                if (ends.isPresent()) {
                    return new DriverLoop(name, ends.get(), written);
                }
            } catch (IOException | RuntimeException | LinkageError e) {
                log.debug("Warm-up on the TAP driver's loopback pair: " + e + "; on one of the engine's own");
            }
        }
        return new LoopTap(name, mac, written);
    }

    /** Whether {@link #close} ended it. */
    public boolean closed() {
        return closed;
    }

    /** The round trips made; what went wrong goes to the log's debug level. */
    public int run() {
        long t0 = System.nanoTime();
        KeyQueue keys = new KeyQueue();
        keys.addStretched(new byte[32], Long.MAX_VALUE);
        // the same stack as a network's (NetworkInstance): HotSpot compiles each call for the
        // classes it saw there, and another class at the first real frame sends it back to the interpreter
        InetAddress lo = InetAddress.getLoopbackAddress(); // the throwaway keys' sockets: reachable from this host only
        try (SocketSlot sa = new SocketSlot(sockets.openOn("warm-a", lo), sockets);
                SocketSlot sb = new SocketSlot(sockets.openOn("warm-b", lo), sockets);
                ThreadLoop la = new ThreadLoop("warm-a", MeshLog.NONE); ThreadLoop lb = new ThreadLoop("warm-b", MeshLog.NONE)) {
            StaticKeys ka = suites.all().get(0).impl().generateKeys();
            StaticKeys kb = suites.all().get(0).impl().generateKeys();
            tapA = side("a", MAC_A, this::backAtA);
            if (closed) {
                return 0;
            }
            tapB = side("b", MAC_B, this::atB);
            if (closed) {
                return 0;
            }
            TransportMux ma = new TransportMux(sa, "warm-a", ka.publicKey(), la, endpoints -> { }, (t, op, e) -> { });
            TransportMux mb = new TransportMux(sb, "warm-b", kb.publicKey(), lb, endpoints -> { }, (t, op, e) -> { });
            try (Mesh a = Mesh.start(new Mesh.Config("warm-a", new TapSlot(tapA.device(), null), ma, ma, suites, null, ka, keys,
                    MeshLog.NONE, la, Timing.DEFAULT, null, false));
                    Mesh b = Mesh.start(new Mesh.Config("warm-b", new TapSlot(tapB.device(), null), mb, mb, suites, null, kb, keys,
                            MeshLog.NONE, lb, Timing.DEFAULT, null, false))) {
                a.peerSeen(new Sighting(kb.publicKey(), List.of(new InetSocketAddress(lo, sb.localAddress().getPort()))));
                b.peerSeen(new Sighting(ka.publicKey(), List.of(new InetSocketAddress(lo, sa.localAddress().getPort()))));
                long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(LIMIT_MS);
                while (!closed && !(connected(a) && connected(b)) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the handshake has no event to wait on here
                }
                for (int i = 0; i < WINDOW; i++) {
                    request();
                }
                done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } finally {
                ma.close();
                mb.close();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Warm-up of the data path: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeTaps();
        }
        log.debug("Data path warmed up: " + answered.get() + " round trips in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        return answered.get();
    }

    private static boolean connected(Mesh m) {
        return m.snapshot().size() == 1 && m.snapshot().get(0).state() == PeerState.CONNECTED;
    }

    /** A request from A to B: a ping's size, or a full frame's, in turn. */
    private void request() {
        int n = requested.getAndIncrement();
        if (closed || n >= ROUND_TRIPS) {
            return;
        }
        byte[] f = new byte[n % 2 == 0 ? 98 : 1442];
        frame(f, MAC_B, MAC_A);
        tapA.inject(f);
    }

    /** B got a request: it answers, as a host answers a ping. */
    private void atB(ByteBuffer frame) {
        byte[] f = new byte[frame.remaining()];
        frame(f, MAC_A, MAC_B);
        tapB.inject(f);
    }

    private void backAtA(ByteBuffer frame) {
        if (answered.incrementAndGet() >= ROUND_TRIPS) {
            done.countDown();
        } else {
            request();
        }
    }

    private static void frame(byte[] f, MacAddress to, MacAddress from) {
        System.arraycopy(to.toBytes(), 0, f, 0, 6);
        System.arraycopy(from.toBytes(), 0, f, 6, 6);
        f[12] = 0x08; // IPv4
        f[14] = 0x45;
    }

    private void closeTaps() {
        Side a = tapA;
        Side b = tapB;
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        done.countDown();
        closeTaps();
    }
}
