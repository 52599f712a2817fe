package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDriver;

/**
 * Runs the data path before the first real packet: meshes of throwaway keys, each on its own
 * TAP without an interface and its own UDP socket on the loopback interface, pings between them,
 * both sizes, a few thousand round trips (about 1 s of CPU). The TAPs are the driver's own
 * {@linkplain TapDriver#openLoopback loopback pairs} ({@link DriverLoop}) where it has them, so
 * that the code compiled is the code real frames take: HotSpot compiles a call for the classes it
 * saw there, and a device of another class at the first real frame would send the TAP thread's
 * loop back to the interpreter for minutes of low traffic. {@link LoopTap} otherwise. HotSpot compiles a method only after
 * thousands of calls: without this, the first seconds of every tunnel ran interpreted, at 2 ms a
 * round trip where the compiled path takes 0.5.
 *
 * <p>It runs what a real network's first seconds run, not only the pings: HotSpot compiles a
 * branch never taken as a trap, and the first real peer took a dozen of them (a new peer's
 * buffers, its handshake under compiled code, ARP and neighbour discovery, flood replays sent from
 * arrays, a datagram of no protocol), each sending its method back to the interpreter for seconds
 * of low traffic. So a first pair, A and B, connects and pings; then, with the path compiled, the
 * hosts behind the TAPs say what a Linux host says on a fresh interface ({@link WarmHost}), a
 * stray datagram comes in, a third member C joins A and B, and A pings B and C in turn, in bursts
 * too, until the round trips are made: the traps fall during the warm-up and the code is compiled
 * again with the branches in it.
 *
 * <p>Nothing leaves the machine: every socket is bound to 127.0.0.1 alone (a socket provider that
 * cannot bind one address gets no pair) and talks to the others only.
 *
 * <p>{@link #run} blocks its caller until done, {@link #LIMIT_MS} at most; {@link #close} (from any
 * thread) ends it early.
 */
public final class WarmPair implements AutoCloseable {

    /** Round trips: enough for the optimising compiler (C2, ~10 000 calls) to take the per-frame methods, twice. */
    public static final int ROUND_TRIPS = 6000;
    /** Round trips between A and B alone, before the rest of a network's first seconds. */
    static final int FIRST = 2000;
    static final int WINDOW = 4;
    static final long LIMIT_MS = 10_000;
    /** Keepalives often enough that they run during the warm-up too. */
    static final Timing TIMING = new Timing(50, 200, 250, 15_000, 60_000);
    private static final int ID = 1; // of the pings that count; the rest of a burst carries another
    private static final Ipv4Cidr OVERLAY = Ipv4Cidr.parse("10.254.254.1/24");
    private static final MacAddress MAC_HOST = MacAddress.parse("06:70:32:70:00:ff");

    private final Suites suites;
    private final SocketProvider sockets;
    private final TapDriver driver;
    private final MeshLog log;
    private final AtomicInteger requested = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    private final List<Member> members = new ArrayList<>();
    private volatile boolean closed;
    private volatile int limit;
    private volatile List<WarmHost> targets = List.of();
    private volatile CountDownLatch phase = new CountDownLatch(1);
    private volatile WarmHost pinger;

    /** What a mesh of the pair gets as its TAP, and how the pair plays the host behind it. */
    interface Side {
        /** The engine's device. */
        PollableTapDevice device();

        /** A frame (Ethernet, without offload header) for the engine to read. */
        void inject(byte[] frame);

        /** Ends it; frames injected afterwards are dropped. */
        void close();
    }

    /** A member: its host, TAP, socket, loop and mesh. */
    private record Member(WarmHost host, Side side, SocketSlot socket, ThreadLoop loop, TransportMux mux, Mesh mesh,
            StaticKeys keys) {
    }

    /** @param driver the TAP driver in use (null: none), whose loopback pair the meshes get when it has one */
    public WarmPair(Suites suites, SocketProvider sockets, TapDriver driver, MeshLog log) {
        this.suites = suites;
        this.sockets = sockets;
        this.driver = driver;
        this.log = log;
    }

    /**
     * What each member's host answered so far, by member: "a.arp" (ARP requests A's host answered),
     * "b.echo", and so on.
     */
    public Map<String, Integer> answers() {
        Map<String, Integer> m = new TreeMap<>();
        List<Member> ms = members();
        for (int i = 0; i < ms.size(); i++) {
            String name = String.valueOf((char) ('a' + i));
            m.put(name + ".arp", ms.get(i).host().arpAnswered.get());
            m.put(name + ".echo", ms.get(i).host().echoAnswered.get());
        }
        return m;
    }

    /** Whether {@link #close} ended it. */
    public boolean closed() {
        return closed;
    }

    /** The round trips made; what went wrong goes to the log's debug level. */
    public int run() {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(LIMIT_MS);
        KeyQueue keys = new KeyQueue();
        keys.addStretched(new byte[32], Long.MAX_VALUE);
        try {
            Member a = member("a", 1, keys, this::replied);
            Member b = member("b", 2, keys, null);
            pinger = a.host();
            meet(a, b);
            if (!connected(deadline, 1, a, b)) {
                return answered.get();
            }
            a.host().askArp(b.host().ip);
            pings(List.of(b.host()), FIRST, deadline);
            // the rest of a real network's first seconds, now that the path is compiled
            a.host().hello();
            b.host().hello();
            stray(a.socket().localAddress());
            Member c = member("c", 3, keys, null);
            a.host().askArp(c.host().ip); // replayed to C when it comes
            meet(a, c);
            meet(b, c);
            boolean three = connected(deadline, 2, a, b, c);
            c.host().hello();
            c.host().askArp(a.host().ip);
            pings(three ? List.of(b.host(), c.host()) : List.of(b.host()), ROUND_TRIPS, deadline);
        } catch (IOException | RuntimeException e) {
            log.debug("Warm-up of the data path: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeAll();
        }
        log.debug("Data path warmed up: " + answered.get() + " round trips in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        return answered.get();
    }

    /** A member numbered {@code n} (its host's address is the overlay's n-th), started, not yet told of the others. */
    private Member member(String name, int n, KeyQueue keys, IntConsumer replies) throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        MacAddress mac = MacAddress.parse(String.format("06:70:32:70:00:%02x", 9 + n));
        WarmHost host = new WarmHost(mac, OVERLAY.network().address() + n, replies);
        // the same stack as a network's (NetworkInstance): HotSpot compiles each call for the
        // classes it saw there, and another class at the first real frame sends it back to the interpreter
        SocketSlot socket = new SocketSlot(sockets.openOn("warm-" + name, InetAddress.getLoopbackAddress()), sockets);
        ThreadLoop loop = new ThreadLoop("warm-" + name, MeshLog.NONE);
        Side side = side(name, mac, host::received);
        host.attach(side);
        TransportMux mux = null;
        Member m;
        try {
            StaticKeys k = suites.all().get(0).impl().generateKeys();
            mux = new TransportMux(socket, "warm-" + name, k.publicKey(), loop, endpoints -> { }, (t, op, e) -> { });
            Mesh mesh = Mesh.start(new Mesh.Config("warm-" + name, new TapSlot(side.device(), null), mux, mux, suites, null,
                    k, keys, MeshLog.NONE, loop, TIMING, new Ipv4Cidr(host.ip, OVERLAY.prefix()), false));
            m = new Member(host, side, socket, loop, mux, mesh, k);
            synchronized (members) {
                members.add(m); // closed with the others from here on
            }
        } catch (RuntimeException e) {
            if (mux != null) {
                mux.close();
            }
            close(loop);
            close(socket);
            side.close();
            throw e;
        }
        if (closed) {
            throw new IOException("closed");
        }
        return m;
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

    private static void meet(Member x, Member y) {
        InetAddress lo = InetAddress.getLoopbackAddress();
        x.mesh().peerSeen(new Sighting(y.keys().publicKey(), List.of(new InetSocketAddress(lo, y.socket().localAddress().getPort()))));
        y.mesh().peerSeen(new Sighting(x.keys().publicKey(), List.of(new InetSocketAddress(lo, x.socket().localAddress().getPort()))));
    }

    /** Waits until each of {@code ms} holds {@code peers} connected sessions. */
    private boolean connected(long deadline, int peers, Member... ms) {
        while (!closed && System.nanoTime() < deadline) {
            if (Arrays.stream(ms).allMatch(m -> m.mesh().snapshot().stream().filter(p -> p.state() == PeerState.CONNECTED).count() == peers)) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the handshake has no event to wait on here
        }
        return false;
    }

    /** Pings from A, to each of {@code to} in turn, until {@code until} round trips in all; every 16th comes with a burst. */
    private void pings(List<WarmHost> to, int until, long deadline) throws InterruptedException {
        targets = to;
        requested.set(answered.get());
        CountDownLatch done = new CountDownLatch(1);
        phase = done;
        limit = until;
        int last = -1;
        while (!closed && answered.get() < until && System.nanoTime() < deadline) {
            int now = answered.get();
            if (now == last) { // none answered for a while (none in flight, or lost): some more
                for (int i = 0; i < WINDOW; i++) {
                    request();
                }
            }
            last = now;
            done.await(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** A request from A: a ping's size, or a full frame's, in turn. */
    private void request() {
        int n = requested.getAndIncrement();
        List<WarmHost> to = targets;
        if (closed || n >= limit || to.isEmpty()) {
            return;
        }
        WarmHost t = to.get(n / 2 % to.size());
        pinger.ping(t, n % 2 == 0 ? 98 : 1442, ID);
        if (n % 16 == 15) { // a burst: the TAP reader gets several frames at once, and the socket sends them together
            for (int i = 0; i < 3; i++) {
                pinger.ping(t, 1442, ID + 1);
            }
        }
    }

    /** An echo reply reached A. */
    private void replied(int id) {
        if (id != ID) {
            return;
        }
        if (answered.incrementAndGet() >= limit) {
            phase.countDown();
        } else {
            request();
        }
    }

    /** Datagrams of no protocol, as any open port gets: not a header, another version, a DATA to no session. */
    private static void stray(InetSocketAddress to) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            byte[] data = new byte[Wire.DATA_MIN];
            Wire.header(ByteBuffer.wrap(data), Wire.DATA);
            data[7] = 42; // a receiver index nobody has
            byte[] otherVersion = data.clone();
            otherVersion[0]++;
            for (byte[] d : new byte[][] {{1, 2, 3}, otherVersion, data}) {
                s.send(new DatagramPacket(d, d.length, to));
            }
        }
    }

    private List<Member> members() {
        synchronized (members) {
            return new ArrayList<>(members);
        }
    }

    private void closeAll() {
        List<Member> ms = members();
        for (Member m : ms) {
            close(m.mesh());
            m.mux().close();
            close(m.loop());
            close(m.socket());
        }
        for (Member m : ms) {
            m.side().close();
        }
    }

    private void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.debug("Warm-up: closing " + c + ": " + e);
        }
    }

    @Override
    public void close() {
        closed = true;
        phase.countDown();
        for (Member m : members()) {
            m.side().close();
        }
    }
}
