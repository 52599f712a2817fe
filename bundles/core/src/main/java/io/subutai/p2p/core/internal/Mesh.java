package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDevice;

/**
 * The data plane of one network instance: its TAP device, its switch, its peers with their
 * sessions, over the instance's one datagram socket (docs/protocol.md).
 *
 * <pre>
 * outbound: TAP read (p2p-tap-NAME) -> switch -> peer session seal -> socket send
 * inbound:  socket receive -> classify -> session by index -> open + replay check -> switch learns -> TAP write
 * </pre>
 *
 * Threads: the TAP reader; the socket's receive thread (the caller of the registered handlers,
 * which keeps per-peer order); and one control thread ({@code p2p-mesh-NAME}) whose single tick
 * drives handshakes, keepalives and timeouts for every peer. All are stopped by {@link #close}.
 */
final class Mesh implements AutoCloseable {

    /**
     * The mesh's clock work, in milliseconds: the control tick, handshake retries, keepalives,
     * when a silent peer counts as disconnected, and when a departed one is forgotten.
     */
    record Timing(long tick, long handshakeRetry, long keepalive, long dead, long forget) {
        static final Timing DEFAULT = new Timing(200, 2_000, 5_000, 15_000, 60_000);
    }

    /** A session is never used longer than this (a rekey is due long before: 120 s). */
    static final long REJECT_AFTER_NANOS = 180_000_000_000L;
    /** An answered handshake from an unknown node that no packet confirmed is forgotten after this. */
    static final long UNCONFIRMED_NANOS = 10_000_000_000L;
    /** At most this many answered handshakes from unknown nodes wait for confirmation. */
    static final int MAX_UNCONFIRMED = 256;

    static final int INNER_FRAME = 0;
    static final int INNER_KEEPALIVE = 1;
    static final int INNER_FRAGMENT = 2;
    static final int INNER_PEER_INFO = 4;
    static final int INNER_PROBE = 5;
    static final int INNER_PROBE_REPLY = 6;
    /** The largest datagram this node sends: fits a 1500-byte path under IPv6 and UDP headers. */
    static final int MAX_DATAGRAM = 1452;
    /** A fragment's inner header: inner type, flags, frame id (2), offset (3), total length (3). */
    static final int FRAGMENT_HEADER = 10;
    /** Fragment flag: the frame starts with the sender TAP's offload header. */
    static final int FLAG_OFFLOAD = 1;
    /** Where received plaintext starts in its buffer, leaving room to put an offload header in front. */
    private static final int OPEN_AT = 16;
    private static final int MAX_FRAME = TapDevice.MAX_FRAME;

    /** Where the mesh reports what changes. */
    interface Log {
        void info(String message);
    }

    /** One member of the network, as this node sees it. */
    static final class Peer {
        final PeerId id;
        final byte[] staticKey;
        // written by the control thread or the receive thread, read by all
        volatile List<InetSocketAddress> candidates;
        /** The candidates that are the peer's own interface addresses (not a NAT's mapping of it). */
        volatile java.util.Set<InetSocketAddress> own = java.util.Set.of();
        /** What happened with this peer lately, for debug: newest last; guarded by itself. */
        final java.util.ArrayDeque<String[]> history = new java.util.ArrayDeque<>();
        // attempts, for debug: rounds of punch packets, of them with predicted ports, handshakes begun
        volatile int punchRounds;
        volatile int predictedRounds;
        volatile int handshakes;
        volatile InetSocketAddress endpoint;
        volatile PeerState state = PeerState.INITIALIZING;
        volatile long lastReceived;
        volatile long lastSent;
        volatile long goneSince;
        volatile long waitingSince;
        volatile String overlayIp;
        volatile String overlayMac;
        // guarded by this peer: the sessions, and sealing (the TAP thread and the control thread both send).
        // current seals; previous still opens late packets after a rekey; next (answered, not yet
        // confirmed by a packet from the peer) opens, and becomes current with its first packet.
        Slot current;
        Slot previous;
        Slot next;
        /** Frames sent while the handshake runs, sent when it completes (as the kernel's first ARP). */
        final java.util.ArrayDeque<byte[]> waiting = new java.util.ArrayDeque<>();
        final ByteBuffer plain = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        final ByteBuffer packet = ByteBuffer.allocateDirect(MAX_DATAGRAM + 64);
        /** The datagrams of one fragmented frame, back to back, made when the first one is. */
        ByteBuffer fragments;
        int nextFrameId;
        // owned by the receive thread: frames being put together from fragments
        final Reassembly[] reassembly = new Reassembly[2];
        int reassemblyVictim;
        /** Every address the peer was reached at or heard from, with what probing found. */
        final Map<InetSocketAddress, PathStat> paths = new ConcurrentHashMap<>();
        long lastProbeRound; // the control thread's
        long lastCurrentProbe; // the control thread's
        int predictedProbeRounds; // under this peer's lock
        long lastPunch; // under this peer's lock
        // owned by the control thread and the receive thread under this peer's lock
        Handshake pending;
        int pendingIndex;
        long pendingSince;
        int pendingKeyId;
        long lastInitiationTimestamp = -1;

        Peer(PeerId id, byte[] staticKey, List<InetSocketAddress> candidates, long now) {
            this.waitingSince = now;
            this.id = id;
            this.staticKey = staticKey.clone();
            this.candidates = List.copyOf(candidates);
        }
    }

    /** One way to a peer: an address of it, and what probes found (the control and receive threads). */
    static final class PathStat {
        /** Smoothed round-trip time of probes, in nanoseconds; -1 until one was answered. */
        volatile long rtt = -1;
        /** When a probe by this path was last answered (or the path was first heard from). */
        volatile long lastHeard;
        volatile int probeId;
        volatile long probeSent;
        /** The probe before (an answer to it still counts: a round trip may be longer than the probe interval). */
        volatile int previousProbeId;
        volatile long previousProbeSent;
        /** When the first probe since the last answer went out; 0 while answered. */
        volatile long unansweredSince;

        /** Heard within the dead interval, and no probe unanswered for longer than {@code failover}. */
        boolean heard(long now, long dead, long failover) {
            long u = unansweredSince;
            return now - lastHeard < dead && (u == 0 || now - u < failover);
        }

        /** {@link #heard}, and measured. */
        boolean live(long now, long dead, long failover) {
            return rtt >= 0 && heard(now, dead, failover);
        }
    }

    /** A frame being put together from its fragments; its bytes start after room for an offload header. */
    static final class Reassembly {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(Offload.HEADER + MAX_FRAME);
        int id = -1;
        int total;
        int received;
        boolean offload;
    }

    /**
     * A session of a peer, under the index the peer puts in the packets it seals with it, made at
     * {@code created} (the mesh's clock) under the network key with id {@code keyId}.
     */
    record Slot(Peer peer, Session session, int localIndex, int remoteIndex, long created, int keyId) {
    }

    // immutable
    private volatile io.subutai.p2p.api.Ipv4Cidr overlay;
    private final String name;
    private final TapDevice tap;
    private final DatagramPort socket;
    private final CryptoSuite suite;
    private final StaticKeys self;
    private final PeerId selfId;
    private final KeyQueue keys;
    private final Log log;
    private final LongSupplier nanos;
    private final LongSupplier unixSeconds;
    private final long handshakeRetry;
    private final long keepalive;
    private final long dead;
    private final long forget;
    /** The path in use is left when its probes go unanswered this long (3 s by default). */
    private final long failover;
    private final long tickMs;
    private final EthernetSwitch<Peer> sw = new EthernetSwitch<>();
    private final SecureRandom random = new SecureRandom();
    private final Map<PeerId, Peer> peers = new ConcurrentHashMap<>();
    private final Map<Integer, Slot> byIndex = new ConcurrentHashMap<>();
    private final ScheduledExecutorService control;
    private final Thread reader;
    private final List<AutoCloseable> registrations = new ArrayList<>();

    /** Held while frames are read from the TAP and sent, by the TAP thread or the receive thread. */
    private final java.util.concurrent.locks.ReentrantLock txLock = new java.util.concurrent.locks.ReentrantLock();
    /** Whether the TAP can wait for frames without reading them (so the receive thread may read). */
    private volatile boolean tapWaits;
    private FrameBatch replies; // the receive thread's, under txLock

    // owned by the receive thread: plaintext is opened straight into the buffer written to the TAP
    private final FrameBatch toTap = new FrameBatch(1, OPEN_AT + Math.max(Wire.MAX, MAX_FRAME), true);
    private FrameBatch segments;
    private final ByteBuffer handshakeOut = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);

    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong unknownIndex = new AtomicLong();
    private final AtomicLong incomplete = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    /** Packets dropped in relay-only mode because they did not come through a relay. */
    private final AtomicLong notRelayed = new AtomicLong();
    private HandshakeLimiter limiter; // owned by the receive thread, made at its first initiation
    private final java.util.concurrent.atomic.AtomicInteger unconfirmed = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    Mesh(String name, TapDevice tap, DatagramPort socket, CryptoSuite suite, StaticKeys self, KeyQueue keys, Log log,
            LongSupplier nanos, LongSupplier unixSeconds, Timing timing) {
        this(name, tap, socket, suite, self, keys, log, nanos, unixSeconds, timing, null);
    }

    /** @param overlay this node's overlay address, told to peers (null: not told) */
    Mesh(String name, TapDevice tap, DatagramPort socket, CryptoSuite suite, StaticKeys self, KeyQueue keys, Log log,
            LongSupplier nanos, LongSupplier unixSeconds, Timing timing, io.subutai.p2p.api.Ipv4Cidr overlay) {
        this.overlay = overlay;
        this.name = name;
        this.tap = tap;
        this.socket = socket;
        this.suite = suite;
        this.self = self;
        this.selfId = PeerIds.of(self.publicKey());
        this.keys = keys;
        this.log = log;
        this.nanos = nanos;
        this.unixSeconds = unixSeconds;
        this.tickMs = timing.tick();
        this.handshakeRetry = timing.handshakeRetry() * 1_000_000;
        this.keepalive = timing.keepalive() * 1_000_000;
        this.dead = timing.dead() * 1_000_000;
        this.forget = timing.forget() * 1_000_000;
        this.failover = Math.min(this.dead, 3 * this.keepalive / 5);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "p2p-mesh-" + name));
        this.reader = new Thread(this::readTap, "p2p-tap-" + name);
    }

    /**
     * What the transports attached add to the direct strategy of the mesh ({@link TransportPort}
     * in a daemon): which addresses are relayed, predicted ports, and opening NATs.
     */
    interface Strategies {
        /** The relay a datagram to {@code to} goes through; null when it goes straight there. Relayed paths rank last. */
        InetSocketAddress relayFor(InetSocketAddress to);

        /** Where else a peer whose NAT mapped it to {@code mapped} may be. */
        List<InetSocketAddress> guesses(List<InetSocketAddress> mapped);

        /** Opens this host's NAT toward a peer that this node waits for, at {@code targets}. */
        void open(List<InetSocketAddress> targets);

        /** No transport: every address is reached straight, nothing predicted or opened. */
        Strategies NONE = new Strategies() {
            @Override
            public InetSocketAddress relayFor(InetSocketAddress to) {
                return null;
            }

            @Override
            public List<InetSocketAddress> guesses(List<InetSocketAddress> mapped) {
                return List.of();
            }

            @Override
            public void open(List<InetSocketAddress> targets) {
            }
        };
    }

    private volatile Strategies strategies = Strategies.NONE;
    /** Whether only relayed paths may be used ({@code start -fwd}). */
    private volatile boolean relayOnly;

    void strategies(Strategies s) {
        this.strategies = s;
    }

    /** Only relayed paths from now on: nothing is sent to or taken from a peer's own or punched addresses. */
    void relayOnly(boolean only) {
        this.relayOnly = only;
    }

    private boolean isRelayed(InetSocketAddress a) {
        return strategies.relayFor(a) != null;
    }

    /** Whether a path may carry anything: in relay-only mode, only relayed ones do. */
    private boolean usable(InetSocketAddress a) {
        return !relayOnly || isRelayed(a);
    }

    /** This node's overlay address changed (handed out by a bootstrap server): peers learn it with the next keepalive. */
    void overlay(io.subutai.p2p.api.Ipv4Cidr address) {
        overlay = address;
    }

    PeerId selfId() {
        return selfId;
    }

    void start() {
        registrations.add(socket.register(Wire.HANDSHAKE_INIT, this::onInitiation));
        registrations.add(socket.register(Wire.HANDSHAKE_RESP, this::onResponse));
        registrations.add(socket.register(Wire.DATA, this::onData));
        reader.setDaemon(true);
        reader.start();
        control.execute(() -> warmUp(suite, socket, log));
        control.scheduleWithFixedDelay(this::tick, 0, tickMs, TimeUnit.MILLISECONDS);
    }

    /**
     * One handshake and a few sealed packets between two throwaway keys, on the control thread
     * as the network starts: the first real handshake then finds the crypto code loaded and warm
     * (cold, it took ~0.5 s in a fresh daemon, most of the time to the first ping).
     */
    static void warmUp(CryptoSuite suite, DatagramPort socket, Log log) {
        try {
            StaticKeys x = suite.generateKeys();
            StaticKeys y = suite.generateKeys();
            byte[] psk = suite.derivePsk(new byte[] {0});
            Handshake i = suite.initiate(x, y.publicKey(), psk);
            Handshake r = suite.respond(y, psk);
            ByteBuffer m = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
            i.writeMessage(ByteBuffer.allocate(12), m);
            r.readMessage(m.flip(), ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
            r.writeMessage(ByteBuffer.allocate(0), m.clear());
            i.readMessage(m.flip(), ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
            Session a = i.split();
            Session b = r.split();
            ByteBuffer plain = ByteBuffer.allocateDirect(MAX_DATAGRAM);
            ByteBuffer sealed = ByteBuffer.allocateDirect(MAX_DATAGRAM + 64);
            for (int k = 0; k < 64; k++) {
                a.seal(plain.clear().limit(k % 2 == 0 ? 64 : 1400), sealed.clear());
                b.open(sealed.flip(), plain.clear());
            }
            // and the socket's send and receive paths: a packet of a reserved type to itself, which no handler takes
            int port = socket.localAddress().getPort();
            if (port > 0) {
                ByteBuffer runt = ByteBuffer.allocateDirect(Wire.HEADER);
                Wire.header(runt, 15);
                socket.send(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), runt.flip());
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            log.info("Crypto warm-up failed: " + e); // the real handshake will say more
        }
    }

    /** Packets refused because they did not authenticate or replayed an earlier one. */
    long rejected() {
        return rejected.get();
    }

    /** DATA packets for a session this node does not have (any more). */
    long unknownIndex() {
        return unknownIndex.get();
    }

    /** Handshake initiations dropped unread because their source, or all sources, sent too many. */
    long rateLimited() {
        return rateLimited.get();
    }

    /** Packets dropped in relay-only mode because they came straight from a peer. */
    long notRelayed() {
        return notRelayed.get();
    }

    /** Fragmented frames given up on because a later frame's fragments needed the room. */
    long incomplete() {
        return incomplete.get();
    }

    /** Packets dropped because they were not well-formed. */
    long malformed() {
        return malformed.get();
    }

    // ---- discovery ----

    void peerSeen(byte[] staticKey, List<InetSocketAddress> endpoints) {
        peerSeen(staticKey, endpoints, null);
    }

    /** @param reflexive where a bootstrap server saw the peer (a NAT's mapping), null when no server told */
    void peerSeen(byte[] staticKey, List<InetSocketAddress> endpoints, InetSocketAddress reflexive) {
        PeerId id = PeerIds.of(staticKey);
        if (id.equals(selfId)) {
            return;
        }
        boolean[] fresh = new boolean[1];
        Peer p = peers.computeIfAbsent(id, k -> {
            log.info("Running peer " + k);
            fresh[0] = true;
            Peer created = new Peer(k, staticKey, endpoints, nanos.getAsLong());
            replayFloods(created);
            return created;
        });
        // the server lists the address it saw last, and once more among the peer's own when the peer has no NAT
        int n = endpoints.size();
        p.own = java.util.Set.copyOf(reflexive != null && n > 0 && reflexive.equals(endpoints.get(n - 1))
                ? endpoints.subList(0, n - 1) : endpoints);
        p.candidates = List.copyOf(new java.util.LinkedHashSet<>(endpoints));
        p.goneSince = 0;
        if (fresh[0] && !closed) {
            control.execute(() -> {
                try {
                    tick(p, nanos.getAsLong()); // handshake now, not at the next tick
                } catch (RuntimeException e) {
                    log.info("Peer " + p.id + ": " + e);
                }
            });
        }
    }

    /** How long a flooded frame waits for peers not known yet: the kernel's first ARP request beats discovery. */
    static final long FLOOD_REPLAY_NANOS = 2_000_000_000L;
    private static final int FLOOD_REPLAY_FRAMES = 16;
    /** Recent flooded frames (broadcast, multicast, unknown destination) with when they were read; guarded by itself. */
    private final java.util.ArrayDeque<Object[]> recentFloods = new java.util.ArrayDeque<>();

    private void rememberFlood(ByteBuffer frame, long now) {
        byte[] copy = new byte[frame.remaining()];
        frame.duplicate().get(copy);
        synchronized (recentFloods) {
            if (recentFloods.size() >= FLOOD_REPLAY_FRAMES) {
                recentFloods.poll();
            }
            recentFloods.add(new Object[] {now, copy});
        }
    }

    /** A peer just found gets the floods of the last moments, as if it had been there. */
    private void replayFloods(Peer p) {
        long now = nanos.getAsLong();
        synchronized (recentFloods) {
            for (Object[] f : recentFloods) {
                if (now - (Long) f[0] < FLOOD_REPLAY_NANOS) {
                    p.waiting.add((byte[]) f[1]);
                }
            }
        }
    }

    void peerGone(PeerId id) {
        Peer p = peers.get(id);
        if (p != null && p.goneSince == 0) {
            p.goneSince = nanos.getAsLong();
        }
    }

    List<Peer> peers() {
        return List.copyOf(peers.values());
    }

    Optional<Peer> peer(PeerId id) {
        return Optional.ofNullable(peers.get(id));
    }

    // ---- outbound: the TAP reader ----

    private FrameBatch tapBatch() {
        return tap.offload() ? new FrameBatch(8, MAX_FRAME, true)
                : new FrameBatch(32, Math.min(MAX_FRAME, Math.max(tap.mtu(), MAX_DATAGRAM) + 64), true);
    }

    /**
     * The TAP thread: sleeps until the TAP has frames, then reads and sends them under {@link
     * #txLock}, which the receive thread also takes to send what the kernel answered at once
     * (see {@link #readTapNow}); one lock around reading and sending keeps the frames' order.
     */
    private void readTap() {
        FrameBatch batch = tapBatch();
        try {
            boolean waits = tap.awaitFrames();
            tapWaits = waits;
            while (!closed) {
                if (!waits) {
                    route(batch, tap.read(batch));
                    continue;
                }
                int n;
                txLock.lock();
                try {
                    n = tap.readNow(batch);
                    route(batch, n);
                } finally {
                    txLock.unlock();
                }
                if (n == 0) {
                    tap.awaitFrames();
                }
            }
        } catch (IOException e) {
            if (!closed) {
                log.info("TAP " + tap.name() + " failed: " + e.getMessage());
            }
        }
    }

    /**
     * After a frame was written to the TAP, on the receive thread: what the kernel answered at
     * once (an echo reply, a TCP acknowledgement) is sent from here, without waking the TAP thread,
     * which is one thread wake-up less on each round trip. Skipped when the TAP thread is at work.
     */
    private void readTapNow() {
        if (!tapWaits || !txLock.tryLock()) {
            return;
        }
        try {
            if (replies == null) {
                replies = tapBatch();
            }
            route(replies, tap.readNow(replies));
        } catch (IOException e) {
            // the TAP thread reports a failed device
        } finally {
            txLock.unlock();
        }
    }

    /** Sends the frames read from the TAP, each to the peer its destination is behind, or to all. Caller holds txLock. */
    private void route(FrameBatch batch, int n) {
        int eth = tap.offload() ? Offload.HEADER : 0;
        long now = nanos.getAsLong();
        for (int i = 0; i < n; i++) {
            ByteBuffer frame = batch.frame(i);
            frame.position(eth); // the switch looks at the Ethernet header
            if (!EthernetSwitch.isFrame(frame)) {
                continue;
            }
            try {
                Peer to = sw.route(frame, now);
                frame.position(0);
                if (to != null) {
                    sendFrame(to, frame, now);
                } else {
                    for (Peer p : peers.values()) {
                        sendFrame(p, frame, now);
                    }
                    if ((frame.get(eth) & 1) != 0 && frame.remaining() <= 2 * MAX_DATAGRAM) {
                        rememberFlood(frame, now); // broadcast or multicast: ARP, ND, DHCP
                    }
                }
            } catch (RuntimeException e) {
                sendFailures.incrementAndGet(); // one frame lost; the reader goes on
            }
        }
    }

    /** Frames kept per peer while its handshake runs. */
    static final int WAITING_FRAMES = 32;

    private void sendFrame(Peer p, ByteBuffer frame, long now) {
        synchronized (p) {
            if (p.current == null || p.endpoint == null || p.state != PeerState.CONNECTED) {
                if (p.state == PeerState.WAITING_CONNECTION || p.state == PeerState.INITIALIZING_CONNECTION
                        || p.state == PeerState.INITIALIZING) {
                    if (p.waiting.size() >= WAITING_FRAMES) {
                        p.waiting.poll();
                    }
                    byte[] copy = new byte[frame.remaining()];
                    frame.duplicate().get(copy);
                    p.waiting.add(copy);
                }
                return;
            }
            sendLocked(p, frame, now);
        }
    }

    /**
     * Sends a frame as the TAP gave it (with its offload header when the TAP has offloads): whole
     * in one datagram when it fits, else in fragments that leave in one burst. Caller holds p.
     */
    private void sendLocked(Peer p, ByteBuffer frame, long now) {
        int from = frame.position();
        int to = frame.limit();
        boolean offload = tap.offload();
        if (offload && Offload.plain(frame, from)) {
            from += Offload.HEADER; // nothing for the receiver to do: a plain frame
            offload = false;
        }
        int overhead = Wire.HEADER + Wire.INDEX + p.current.session().overhead();
        int total = to - from;
        if (!offload && 1 + total + overhead <= MAX_DATAGRAM) {
            p.plain.clear();
            p.plain.put((byte) INNER_FRAME).put(p.plain.position(), frame, from, total).position(1 + total).flip();
            sealAndSendLocked(p, now);
            return;
        }
        if (total > MAX_FRAME) {
            sendFailures.incrementAndGet();
            return;
        }
        int room = MAX_DATAGRAM - overhead - FRAGMENT_HEADER;
        if (p.fragments == null) {
            p.fragments = ByteBuffer.allocateDirect((MAX_FRAME / room + 1) * MAX_DATAGRAM);
        }
        ByteBuffer out = p.fragments.clear();
        int id = p.nextFrameId++ & 0xffff;
        for (int off = 0; off < total; off += room) {
            int n = Math.min(room, total - off);
            p.plain.clear();
            p.plain.put((byte) INNER_FRAGMENT).put((byte) (offload ? FLAG_OFFLOAD : 0)).putShort((short) id);
            putU24(p.plain, off);
            putU24(p.plain, total);
            p.plain.put(p.plain.position(), frame, from + off, n).position(FRAGMENT_HEADER + n).flip();
            Wire.header(out, Wire.DATA);
            out.putInt(p.current.remoteIndex());
            p.current.session().seal(p.plain, out); // every datagram but the last is exactly MAX_DATAGRAM
        }
        out.flip();
        socket.sendSegments(p.endpoint, out, MAX_DATAGRAM);
        p.lastSent = now;
    }

    private static void putU24(ByteBuffer b, int v) {
        b.put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
    }

    private static int u24(ByteBuffer b, int at) {
        return (b.get(at) & 255) << 16 | (b.get(at + 1) & 255) << 8 | (b.get(at + 2) & 255);
    }

    private void sealAndSendLocked(Peer p, long now) {
        sealAndSendLocked(p, p.endpoint, now);
        p.lastSent = now;
    }

    private void sealAndSendLocked(Peer p, InetSocketAddress to, long now) {
        p.packet.clear();
        Wire.header(p.packet, Wire.DATA);
        p.packet.putInt(p.current.remoteIndex());
        p.current.session().seal(p.plain, p.packet);
        p.packet.flip();
        socket.send(to, p.packet);
    }

    // ---- paths: the direct strategy ----

    /**
     * Probes every address the peer is known by (its LAN addresses first), each round of
     * keepalives and at once when it connects; answered probes give each path its round-trip
     * time. Caller holds p, which is connected.
     */
    private void probeLocked(Peer p, long now) {
        p.lastProbeRound = now;
        List<InetSocketAddress> order = new ArrayList<>(p.candidates);
        for (InetSocketAddress a : p.paths.keySet()) {
            if (!order.contains(a)) {
                order.add(a);
            }
        }
        order.removeIf(a -> !usable(a));
        order.sort(java.util.Comparator.comparing(a -> lan(a) ? 0 : 1));
        for (InetSocketAddress to : order) {
            sendProbeLocked(p, to, p.paths.computeIfAbsent(to, k -> new PathStat()), now);
        }
        InetSocketAddress current = p.endpoint;
        if (!relayOnly && current != null && isRelayed(current) && p.predictedProbeRounds < PREDICTED_PROBE_ROUNDS) {
            // on a relay: the peer's NAT may map each destination anew, so probe where the
            // transports guess it does; the peer answers from there, and an address that answers is adopted
            List<InetSocketAddress> guesses = strategies.guesses(mapped(p));
            if (!guesses.isEmpty()) {
                p.predictedProbeRounds++;
            }
            for (InetSocketAddress to : guesses) {
                sendProbeLocked(p, to, null, now);
            }
        }
    }

    /** Sends a probe by {@code to}; its answer measures {@code path} (null: an untracked guess). Caller holds p. */
    private void sendProbeLocked(Peer p, InetSocketAddress to, PathStat path, long now) {
        int id = random.nextInt();
        if (path != null) {
            path.previousProbeId = path.probeId;
            path.previousProbeSent = path.probeSent;
            path.probeId = id;
            path.probeSent = now;
            if (path.unansweredSince == 0) {
                path.unansweredSince = now;
            }
        }
        p.plain.clear();
        p.plain.put((byte) INNER_PROBE).putInt(id).flip();
        sealAndSendLocked(p, to, now);
    }

    /** The peer's addresses that are its NAT's mapping of it: public, unrelayed, and not its own. */
    private List<InetSocketAddress> mapped(Peer p) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : p.candidates) {
            if (!lan(a) && !isRelayed(a) && !p.own.contains(a) && !a.isUnresolved()) {
                out.add(a);
            }
        }
        return out;
    }

    /** Probe rounds of a peer on a relay that also try its predicted ports. */
    static final int PREDICTED_PROBE_ROUNDS = 4;

    /** Probes the path in use alone: between rounds, so that a path that dies is left within seconds. Caller holds p. */
    private void probeCurrentLocked(Peer p, long now) {
        p.lastCurrentProbe = now;
        InetSocketAddress to = p.endpoint;
        PathStat path = to == null ? null : p.paths.get(to);
        if (path != null) {
            sendProbeLocked(p, to, path, now);
        }
    }

    private static boolean lan(InetSocketAddress a) {
        java.net.InetAddress ip = a.getAddress();
        return ip != null && (ip.isSiteLocalAddress() || ip.isLinkLocalAddress() || ip.isLoopbackAddress()
                || ip instanceof java.net.Inet6Address && (ip.getAddress()[0] & 0xfe) == 0xfc);
    }

    /**
     * Sends by the best live path: any direct path before a relayed one, then the lowest round-trip
     * time. A path counts as live when a probe on it was answered within the dead interval and no
     * probe on it has gone unanswered for {@link #failover} (the one in use is probed every
     * {@link #failover}/3, so it is left about {@link #failover} after it went silent, and a path
     * that died is not taken back before it answers again). It switches for a path at least 20% and 1 ms faster, for a direct one while a
     * relayed one is in use, or when the one in use went silent. The ranking is {@link #better}.
     */
    private void choosePath(Peer p, long now) {
        InetSocketAddress current = p.endpoint;
        InetSocketAddress best = null;
        PathStat bestStat = null;
        boolean bestRelayed = true;
        for (Map.Entry<InetSocketAddress, PathStat> e : p.paths.entrySet()) {
            PathStat s = e.getValue();
            InetSocketAddress a = e.getKey();
            boolean r = isRelayed(a);
            if (s.live(now, dead, failover) && usable(a)
                    && (best == null || better(r, s.rtt, bestRelayed, bestStat.rtt))) {
                best = a;
                bestStat = s;
                bestRelayed = r;
            }
        }
        if (best == null || best.equals(current)) {
            return;
        }
        PathStat cur = current == null ? null : p.paths.get(current);
        // one in use but not measured yet (a new address the peer came from) is kept while it is being measured
        boolean currentLive = cur != null && cur.heard(now, dead, failover) && usable(current);
        boolean offRelay = !bestRelayed && current != null && isRelayed(current);
        if (!currentLive || offRelay || cur.rtt >= 0 && bestStat.rtt + Math.max(cur.rtt / 5, MIN_GAIN_NANOS) < cur.rtt) {
            p.endpoint = best;
            p.lastCurrentProbe = 0;
            log.info("Peer " + p.id + ": path " + best + " (" + bestStat.rtt / 1000 + " us)"
                    + (current == null ? "" : currentLive ? " is better than " + current : " replaces silent " + current));
            note(p, "path " + NetworkInstance.endpoint(best) + " (" + pathOf(p) + ", " + bestStat.rtt / 1000 + " us)"
                    + (current == null ? "" : currentLive ? " is better than " : " replaces silent ")
                    + (current == null ? "" : NetworkInstance.endpoint(current)));
        }
    }

    /** A path replaces a live one of the same rank only when faster by 20%, and by this much at least. */
    static final long MIN_GAIN_NANOS = 1_000_000L;

    /** The ranking of live paths: any direct path before a relayed one, then the lower round-trip time. */
    static boolean better(boolean relayed, long rtt, boolean thanRelayed, long thanRtt) {
        return relayed != thanRelayed ? !relayed : rtt < thanRtt;
    }

    /**
     * How the peer is reached now, as {@code show} and {@code status} say it: {@code lan}, {@code
     * direct} (a public address of its own), {@code punched} (a NAT's mapping of it), {@code relay
     * HOST:PORT}; null while it is not connected.
     */
    String pathOf(Peer p) {
        InetSocketAddress e = p.endpoint;
        if (e == null || p.state != PeerState.CONNECTED) {
            return null;
        }
        InetSocketAddress r = strategies.relayFor(e);
        if (r != null) {
            return "relay " + NetworkInstance.endpoint(r);
        }
        return lan(e) ? "lan" : p.own.contains(e) ? "direct" : "punched";
    }

    private static final java.time.format.DateTimeFormatter CLOCK = java.time.format.DateTimeFormatter
            .ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC);
    /** Events of a peer that {@code debug} lists, at most this many (the latest). */
    static final int HISTORY = 16;

    /**
     * Records an event of {@code p} for {@code debug}, with the wall-clock time; the same event
     * again right after is counted instead of listed twice (a handshake retried every 250 ms).
     */
    private static void note(Peer p, String what) {
        String at = CLOCK.format(java.time.Instant.now());
        synchronized (p.history) {
            String[] last = p.history.peekLast();
            if (last != null && last[1].equals(what)) {
                last[0] = at;
                last[2] = Integer.toString(Integer.parseInt(last[2]) + 1);
                return;
            }
            if (p.history.size() >= HISTORY) {
                p.history.pollFirst();
            }
            p.history.addLast(new String[] {at, what, "1"});
        }
    }

    /**
     * A peer as {@code debug} shows it: tab-indented lines in the shape of the original's, with
     * the path in use and its kind, every path with its round-trip time (or {@code -}: probed,
     * never answered), and the attempts made to reach it.
     */
    List<String> describe(Peer p) {
        List<String> out = new ArrayList<>();
        out.add("\t--- " + p.id.value() + " ---");
        out.add("\tState: " + p.state);
        out.add(p.overlayIp == null ? "\tNo IP assigned" : "\tNetwork: " + p.overlayIp + " "
                + (p.overlayMac == null ? "(no MAC yet)" : p.overlayMac));
        String kind = pathOf(p);
        out.add("\tEndpoint: " + (p.endpoint == null ? "none" : NetworkInstance.endpoint(p.endpoint))
                + (kind == null ? "" : " (" + kind + ")"));
        StringBuilder all = new StringBuilder("\tAll Endpoints:");
        for (Map.Entry<InetSocketAddress, PathStat> e : p.paths.entrySet()) {
            long rtt = e.getValue().rtt;
            all.append(' ').append(NetworkInstance.endpoint(e.getKey())).append(" [")
                    .append(rtt < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.2f ms", rtt / 1e6)).append(']');
        }
        out.add(all.toString());
        StringBuilder pool = new StringBuilder("\tEndpoints pool:");
        for (InetSocketAddress c : p.candidates) {
            pool.append(' ').append(NetworkInstance.endpoint(c)).append(p.own.contains(c) ? "" : " (mapped)");
        }
        out.add(pool.toString());
        out.add("\tAttempts: " + p.handshakes + " handshakes, " + p.punchRounds + " punch rounds ("
                + p.predictedRounds + " with predicted ports), " + p.predictedProbeRounds + " predicted probe rounds");
        out.add("\tHistory (UTC, latest last):");
        synchronized (p.history) {
            for (String[] e : p.history) {
                out.add("\t  " + e[0] + " " + e[1] + ("1".equals(e[2]) ? "" : " (x" + e[2] + ", time of the last)"));
            }
        }
        out.add("\t--- End of " + p.id.value() + " ---");
        return out;
    }

    /** Path statistics of a peer, for show and the tests: address to round-trip time in microseconds (-1 unknown). */
    Map<InetSocketAddress, Long> paths(Peer p) {
        Map<InetSocketAddress, Long> m = new java.util.LinkedHashMap<>();
        p.paths.forEach((a, s) -> m.put(a, s.rtt < 0 ? -1 : s.rtt / 1000));
        return m;
    }

    // ---- inbound ----

    private void onData(InetSocketAddress from, ByteBuffer datagram) {
        if (Wire.classify(datagram) != Wire.DATA) {
            malformed.incrementAndGet();
            return;
        }
        if (relayOnly && !usable(from)) {
            notRelayed.incrementAndGet();
            return;
        }
        Slot slot = byIndex.get(Wire.index(datagram, Wire.HEADER));
        if (slot == null) {
            unknownIndex.incrementAndGet();
            rejected.incrementAndGet();
            return;
        }
        ByteBuffer sealed = datagram.duplicate();
        sealed.position(datagram.position() + Wire.HEADER + Wire.INDEX);
        toTap.clear();
        ByteBuffer opened = toTap.claim();
        opened.position(OPEN_AT);
        // only this thread opens, so no lock: the TAP thread keeps sealing meanwhile
        if (!slot.session().open(sealed, opened)) {
            rejected.incrementAndGet();
            return;
        }
        Peer p = slot.peer();
        if (peers.get(p.id) != p) {
            // the first packet of a handshake this node answered for a node it did not know: the
            // node holds the network key, so it becomes a peer now, not when it sent its initiation
            slot = adopt(slot);
            p = slot.peer();
        }
        long now = nanos.getAsLong();
        p.lastReceived = now;
        if (!p.paths.containsKey(from)) {
            adoptAddress(p, from, now);
        }
        // a known path counts as live only by answered probes: packets from an address do not
        // prove that packets to it arrive
        if (p.state != PeerState.CONNECTED || p.next == slot) {
            synchronized (p) {
                if (p.next == slot) {
                    promoteLocked(p);
                }
                if (p.state != PeerState.CONNECTED) {
                    p.state = PeerState.CONNECTED;
                    p.goneSince = 0;
                    log.info("Peer " + p.id + " connected via " + from);
                    note(p, "connected via " + NetworkInstance.endpoint(from) + " (" + pathOf(p) + ")");
                    keepaliveLocked(p, now); // tells the peer this node's overlay address at once
                    flushWaitingLocked(p, now);
                }
            }
        }
        int end = opened.position();
        int inner = opened.get(OPEN_AT);
        if (inner == INNER_PEER_INFO && end - OPEN_AT == 12) {
            int ip = opened.getInt(OPEN_AT + 1);
            p.overlayIp = (ip >>> 24) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255);
            byte[] mac = new byte[6];
            opened.get(OPEN_AT + 6, mac);
            p.overlayMac = io.subutai.p2p.api.MacAddress.of(mac).toString();
        } else if (inner == INNER_FRAME) {
            deliver(p, opened, OPEN_AT + 1, end, false, now);
        } else if (inner == INNER_FRAGMENT) {
            onFragment(p, opened, end, now);
        } else if (inner == INNER_PROBE && end - OPEN_AT == 5) {
            int id = opened.getInt(OPEN_AT + 1);
            synchronized (p) {
                if (p.current != null) {
                    p.plain.clear();
                    p.plain.put((byte) INNER_PROBE_REPLY).putInt(id).flip();
                    sealAndSendLocked(p, from, now); // back the way it came
                }
            }
        } else if (inner == INNER_PROBE_REPLY && end - OPEN_AT == 5) {
            int id = opened.getInt(OPEN_AT + 1);
            for (PathStat path : p.paths.values()) {
                long sent = path.probeId == id ? path.probeSent : path.previousProbeId == id ? path.previousProbeSent : 0;
                if (sent != 0) {
                    long sample = now - sent;
                    path.rtt = path.rtt < 0 ? sample : (7 * path.rtt + sample) / 8;
                    if (path.probeId == id) {
                        path.probeSent = 0; // one answer per probe
                    } else {
                        path.previousProbeSent = 0;
                    }
                    path.lastHeard = now;
                    path.unansweredSince = 0;
                }
            }
        }
    }

    /** At most this many addresses are kept per peer: what an attacker on the path replays from new sources cannot grow it. */
    static final int MAX_PATHS = 32;

    /**
     * An authenticated packet of {@code p} came from an address never seen (the first, or the
     * peer's NAT mapped it anew): it works, so answer on it, and measure it at once. A relayed
     * address is taken only when discovery announced it (a relay names the sender's handle), and a
     * relayed one never takes over from an unrelayed path this way.
     */
    private void adoptAddress(Peer p, InetSocketAddress from, long now) {
        boolean relayedFrom = isRelayed(from);
        synchronized (p) {
            if (p.paths.containsKey(from) || p.paths.size() >= MAX_PATHS || relayedFrom && !p.candidates.contains(from)) {
                return;
            }
            PathStat heard = new PathStat();
            heard.lastHeard = now;
            p.paths.put(from, heard);
            InetSocketAddress current = p.endpoint;
            if (current == null || !better(isRelayed(current), 0, relayedFrom, 0)) {
                p.endpoint = from; // unless it ranks below the path in use (a relay's, for a direct one)
            }
            p.lastProbeRound = 0;
        }
    }

    /** A fragment (opened at OPEN_AT, up to {@code end}): a whole frame at once, or a part to keep. */
    private void onFragment(Peer p, ByteBuffer opened, int end, long now) {
        int from = OPEN_AT + FRAGMENT_HEADER;
        if (end <= from) {
            malformed.incrementAndGet();
            return;
        }
        int flags = opened.get(OPEN_AT + 1) & 255;
        int id = opened.getShort(OPEN_AT + 2) & 0xffff;
        int off = u24(opened, OPEN_AT + 4);
        int total = u24(opened, OPEN_AT + 7);
        int n = end - from;
        boolean offload = (flags & FLAG_OFFLOAD) != 0;
        if ((flags & ~FLAG_OFFLOAD) != 0 || total > MAX_FRAME || off + n > total) {
            malformed.incrementAndGet();
            return;
        }
        if (off == 0 && n == total) {
            deliver(p, opened, from, end, offload, now);
            return;
        }
        Reassembly r = reassembly(p, id, total, offload);
        r.buffer.put(Offload.HEADER + off, opened, from, n);
        r.received += n; // a fragment never comes twice: the replay window saw to that
        if (r.received >= total) {
            r.id = -1;
            opened.put(OPEN_AT, r.buffer, Offload.HEADER, total);
            deliver(p, opened, OPEN_AT, OPEN_AT + total, r.offload, now);
        }
    }

    /** The frame {@code id} being put together, or room for it (giving up the older of two unfinished ones). */
    private Reassembly reassembly(Peer p, int id, int total, boolean offload) {
        Reassembly[] rs = p.reassembly;
        for (Reassembly r : rs) {
            if (r != null && r.id == id && r.total == total && r.offload == offload) {
                return r;
            }
        }
        int i = -1;
        for (int k = 0; k < rs.length && i < 0; k++) {
            if (rs[k] == null || rs[k].id < 0) {
                i = k;
            }
        }
        if (i < 0) {
            i = p.reassemblyVictim;
            p.reassemblyVictim = (i + 1) % rs.length;
            incomplete.incrementAndGet();
        }
        if (rs[i] == null) {
            rs[i] = new Reassembly();
        }
        Reassembly r = rs[i];
        r.id = id;
        r.total = total;
        r.received = 0;
        r.offload = offload;
        return r;
    }

    /**
     * Writes a received frame to the TAP: {@code b} from {@code from} to {@code to}, the claimed
     * buffer of {@link #toTap} with room in front; {@code offload} when it starts with the sender's
     * offload header. A TAP with offloads takes it as it is (a plain frame gets a header of zeros);
     * a TAP without gets it segmented and checksummed here.
     */
    private void deliver(Peer p, ByteBuffer b, int from, int to, boolean offload, long now) {
        int eth = offload ? from + Offload.HEADER : from;
        if (offload && !Offload.valid(b, from, to)) {
            malformed.incrementAndGet();
            return;
        }
        b.limit(to).position(eth);
        if (!sw.learn(b, p, now)) {
            return;
        }
        try {
            if (tap.offload()) {
                if (!offload) {
                    from -= Offload.HEADER;
                    b.putLong(from, 0).putShort(from + 8, (short) 0);
                }
                toTap.commit(from, to);
                tap.write(toTap);
                readTapNow();
            } else if (!offload || Offload.plain(b, from)) {
                toTap.commit(eth, to);
                tap.write(toTap);
                readTapNow();
            } else {
                if (segments == null) {
                    segments = new FrameBatch(1, MAX_FRAME, true);
                }
                segments.clear();
                if (Offload.toPlain(b, from, to, segments.claim(), this::writeSegment) == 0) {
                    malformed.incrementAndGet();
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            if (!closed) {
                log.info("TAP " + tap.name() + " write failed: " + e.getMessage());
            }
        }
    }

    /** Writes one segment that {@link Offload#toPlain} made in the buffer of {@link #segments}. */
    private void writeSegment(ByteBuffer segment) {
        int from = segment.position();
        int to = segment.limit();
        segments.clear();
        segments.claim();
        segments.commit(from, to);
        try {
            tap.write(segments);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Makes the confirmed slot of an unknown node a peer's (an existing one if discovery found it meanwhile). */
    private Slot adopt(Slot slot) {
        Peer fresh = slot.peer();
        unconfirmed.decrementAndGet();
        Peer existing = peers.putIfAbsent(fresh.id, fresh);
        if (existing == null) {
            log.info("Running peer " + fresh.id + " (it found this node first)");
            return slot;
        }
        Slot moved = new Slot(existing, slot.session(), slot.localIndex(), slot.remoteIndex(), slot.created(), slot.keyId());
        synchronized (existing) {
            if (existing.next != null) {
                byIndex.remove(existing.next.localIndex(), existing.next);
            }
            existing.next = moved;
            if (existing.state != PeerState.CONNECTED) {
                existing.endpoint = fresh.endpoint;
            }
        }
        byIndex.replace(slot.localIndex(), slot, moved);
        return moved;
    }

    private void onInitiation(InetSocketAddress from, ByteBuffer datagram) {
        if (Wire.classify(datagram) != Wire.HANDSHAKE_INIT) {
            malformed.incrementAndGet();
            return;
        }
        if (!usable(from)) {
            notRelayed.incrementAndGet();
            return;
        }
        long t = nanos.getAsLong();
        if (limiter == null) {
            limiter = HandshakeLimiter.standard(t);
        }
        if (!limiter.allow(from.getAddress(), t)) {
            rateLimited.incrementAndGet(); // before any Diffie-Hellman work
            return;
        }
        int senderIndex = Wire.index(datagram, Wire.HEADER);
        ByteBuffer msg = datagram.duplicate().position(datagram.position() + Wire.HEADER + Wire.INDEX);
        long now = unixSeconds.getAsLong();
        Optional<KeyQueue.Key> current = keys.current(now);
        if (current.isEmpty()) {
            rejected.incrementAndGet();
            return;
        }
        try {
            ByteBuffer payload = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
            Handshake hs = suite.respond(self, suite.derivePsk(current.get().secret()));
            hs.readMessage(msg.duplicate(), payload);
            payload.flip();
            if (payload.remaining() < 12) {
                throw new GeneralSecurityException("initiation without key id and timestamp");
            }
            int keyId = payload.getInt();
            long timestamp = payload.getLong();
            int usedKey = current.get().id();
            if (keyId != current.get().id()) {
                Optional<KeyQueue.Key> other = keys.accepted(keyId, now);
                if (other.isEmpty()) {
                    throw new GeneralSecurityException("initiation with a key this node does not accept");
                }
                hs = suite.respond(self, suite.derivePsk(other.get().secret()));
                hs.readMessage(msg.duplicate(), ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
                usedKey = keyId;
            }
            byte[] initiatorKey = hs.remoteStaticKey();
            PeerId id = PeerIds.of(initiatorKey);
            Peer p = peers.get(id);
            if (p == null) {
                // not a peer until a packet proves it holds the key (IKpsk2's responder cannot tell yet)
                if (unconfirmed.incrementAndGet() > MAX_UNCONFIRMED) {
                    unconfirmed.decrementAndGet();
                    throw new GeneralSecurityException("too many unconfirmed handshakes");
                }
                p = new Peer(id, initiatorKey, List.of(from), nanos.getAsLong());
                p.endpoint = from;
            }
            synchronized (p) {
                if (timestamp <= p.lastInitiationTimestamp) {
                    throw new GeneralSecurityException("replayed initiation");
                }
                p.lastInitiationTimestamp = timestamp;
                handshakeOut.clear();
                int localIndex = newIndex(p);
                Wire.header(handshakeOut, Wire.HANDSHAKE_RESP);
                handshakeOut.putInt(localIndex).putInt(senderIndex);
                hs.writeMessage(ByteBuffer.allocate(0), handshakeOut);
                handshakeOut.flip();
                Slot answered = new Slot(p, hs.split(), localIndex, senderIndex, nanos.getAsLong(), usedKey);
                if (p.next != null) {
                    byIndex.remove(p.next.localIndex(), p.next);
                }
                p.next = answered; // sealing starts when the initiator's first packet confirms it
                byIndex.put(localIndex, answered);
                if (p.state != PeerState.CONNECTED) {
                    p.state = PeerState.INITIALIZING_CONNECTION;
                    p.endpoint = from;
                }
                socket.send(from, handshakeOut);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            rejected.incrementAndGet();
        }
    }

    private void onResponse(InetSocketAddress from, ByteBuffer datagram) {
        if (Wire.classify(datagram) != Wire.HANDSHAKE_RESP) {
            malformed.incrementAndGet();
            return;
        }
        if (!usable(from)) {
            notRelayed.incrementAndGet();
            return;
        }
        int senderIndex = Wire.index(datagram, Wire.HEADER);
        int receiverIndex = Wire.index(datagram, Wire.HEADER + Wire.INDEX);
        for (Peer p : peers.values()) {
            synchronized (p) {
                if (p.pending == null || p.pendingIndex != receiverIndex) {
                    continue;
                }
                ByteBuffer msg = datagram.duplicate().position(datagram.position() + Wire.HEADER + 2 * Wire.INDEX);
                try {
                    p.pending.readMessage(msg, ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
                } catch (GeneralSecurityException e) {
                    rejected.incrementAndGet();
                    return;
                }
                install(p, new Slot(p, p.pending.split(), p.pendingIndex, senderIndex, nanos.getAsLong(), p.pendingKeyId));
                p.endpoint = from;
                p.state = PeerState.CONNECTED;
                p.goneSince = 0;
                p.pending = null;
                p.lastReceived = nanos.getAsLong();
                log.info("Peer " + p.id + " connected via " + from);
                note(p, "connected via " + NetworkInstance.endpoint(from) + " (" + pathOf(p) + ")");
                keepaliveLocked(p, nanos.getAsLong()); // confirms the session to the responder
                flushWaitingLocked(p, nanos.getAsLong());
                return;
            }
        }
        rejected.incrementAndGet();
    }

    /** Makes {@code slot} the session that seals; the one before it still opens late packets. Caller holds p. */
    private void install(Peer p, Slot slot) {
        if (p.previous != null) {
            byIndex.remove(p.previous.localIndex(), p.previous);
        }
        p.previous = p.current;
        p.current = slot;
        byIndex.put(slot.localIndex(), slot);
    }

    /** The answered session was confirmed by a packet: it seals from now on. Caller holds p. */
    private void promoteLocked(Peer p) {
        Slot confirmed = p.next;
        p.next = null;
        if (p.previous != null) {
            byIndex.remove(p.previous.localIndex(), p.previous);
        }
        p.previous = p.current;
        p.current = confirmed;
    }

    private int newIndex(Peer p) {
        while (true) {
            int i = random.nextInt();
            if (i != 0 && !byIndex.containsKey(i)) {
                return i;
            }
        }
    }

    // ---- the control loop ----

    private void tick() {
        if (closed) {
            return;
        }
        long now = nanos.getAsLong();
        long unixNow = unixSeconds.getAsLong();
        for (Slot slot : byIndex.values()) {
            Peer p = slot.peer();
            if (peers.get(p.id) != p) {
                if (now - slot.created() > UNCONFIRMED_NANOS && byIndex.remove(slot.localIndex(), slot)) {
                    unconfirmed.decrementAndGet();
                }
            } else if (now - slot.created() > REJECT_AFTER_NANOS || keys.accepted(slot.keyId(), unixNow).isEmpty()) {
                retire(p, slot);
            }
        }
        for (Peer p : peers.values()) {
            try {
                tick(p, now);
            } catch (RuntimeException e) {
                log.info("Peer " + p.id + ": " + e);
            }
        }
    }

    /** A session too old, or under a key no longer valid, is used no more. */
    private void retire(Peer p, Slot slot) {
        synchronized (p) {
            byIndex.remove(slot.localIndex(), slot);
            if (p.previous == slot) {
                p.previous = null;
            }
            if (p.next == slot) {
                p.next = null;
            }
            if (p.current == slot) {
                p.current = null;
                if (p.state == PeerState.CONNECTED) {
                    p.state = PeerState.DISCONNECTED;
                    p.waitingSince = nanos.getAsLong();
                    log.info("Peer " + p.id + ": session ended (too old, or its key expired)");
                    note(p, "session ended (too old, or its key expired)");
                }
            }
        }
    }

    private void tick(Peer p, long now) {
        synchronized (p) {
            if (p.state == PeerState.INITIALIZING_CONNECTION && (p.next == null || now - p.next.created() > 3 * handshakeRetry)) {
                p.state = PeerState.INITIALIZING; // the initiator never confirmed: start over
                p.waitingSince = now;
            }
            if (p.goneSince != 0 && now - p.goneSince > forget && p.state != PeerState.CONNECTED) {
                forget(p);
                return;
            }
            boolean alive = p.current != null && now - p.lastReceived < dead;
            if (p.state == PeerState.CONNECTED && !alive) {
                p.state = PeerState.DISCONNECTED;
                p.waitingSince = now;
                log.info("Peer " + p.id + " disconnected: nothing for " + dead / 1_000_000_000 + " s");
                note(p, "disconnected: nothing for " + dead / 1_000_000_000 + " s");
                if (p.goneSince == 0) {
                    p.goneSince = now;
                }
            }
            if (p.state == PeerState.CONNECTED && p.current.session().rekeyDue(now) && weInitiate(p)
                    && (p.pending == null || now - p.pendingSince > handshakeRetry)) {
                initiateLocked(p, now);
            } else if (p.state != PeerState.CONNECTED && p.state != PeerState.INITIALIZING_CONNECTION
                    && (p.pending == null || now - p.pendingSince > retryInterval(p, now))
                    && (weInitiate(p) || now - p.waitingSince > handshakeRetry)) {
                // One side starts, so that handshakes do not cross; the other steps in when nothing
                // came within a retry interval (its packets may be the only ones that get through,
                // or the other side still holds a session from before this one restarted).
                initiateLocked(p, now);
            }
            if (p.state == PeerState.CONNECTED && now - p.lastSent > keepalive) {
                keepaliveLocked(p, now);
            }
            if (p.state != PeerState.CONNECTED && !weInitiate(p) && now - p.lastPunch > PUNCH_INTERVAL_NANOS
                    && now - p.waitingSince < handshakeRetry) {
                punchLocked(p, now);
            }
            p.paths.entrySet().removeIf(e -> now - e.getValue().lastHeard > forget && !p.candidates.contains(e.getKey())
                    && !e.getKey().equals(p.endpoint)); // addresses the peer left long ago
            if (p.state == PeerState.CONNECTED && p.current != null) {
                choosePath(p, now);
                if (p.lastProbeRound == 0 || now - p.lastProbeRound > keepalive) {
                    probeLocked(p, now);
                } else if (now - p.lastCurrentProbe >= failover / 3) {
                    probeCurrentLocked(p, now);
                }
            } else {
                p.lastProbeRound = 0; // probe again as soon as it connects
            }
        }
    }

    /** How often the side that waits for the other's handshake sends punch packets meanwhile. */
    static final long PUNCH_INTERVAL_NANOS = 200_000_000L;
    /** Handshake retries come this fast in the first moments of a peer, while NATs on the way open. */
    static final long EARLY_RETRY_NANOS = 250_000_000L;

    /** Retries come every 250 ms in the first retry interval of a peer (holes open then), then every retry interval. */
    private long retryInterval(Peer p, long now) {
        return now - p.waitingSince < handshakeRetry ? Math.min(EARLY_RETRY_NANOS, handshakeRetry) : handshakeRetry;
    }

    /**
     * The side that waits for the other's handshake sends a small PUNCH datagram to every address
     * of the peer: it opens this node's NAT toward the peer, so that the peer's next initiation gets
     * through (a NAT that filters lets in only what answers something sent out). Caller holds p.
     */
    private void punchLocked(Peer p, long now) {
        p.lastPunch = now;
        List<InetSocketAddress> targets = attemptTargets(p, now);
        p.punchRounds++;
        strategies.open(targets);
        note(p, "punch packets to " + describeTargets(p, targets));
    }

    /** Where an attempt went, for debug: the peer's addresses by kind, and how many were guesses. */
    private String describeTargets(Peer p, List<InetSocketAddress> targets) {
        int lanCount = 0;
        int relayCount = 0;
        int known = 0;
        int guessed = 0;
        for (InetSocketAddress a : targets) {
            if (!p.candidates.contains(a) && !a.equals(p.endpoint)) {
                guessed++;
            } else if (isRelayed(a)) {
                relayCount++;
            } else if (lan(a)) {
                lanCount++;
            } else {
                known++;
            }
        }
        return targets.size() + " addresses (" + lanCount + " lan, " + known + " public, " + relayCount + " relayed, "
                + guessed + " predicted)";
    }

    /** Attempts to reach a peer that has not answered for this long add the transports' guesses. */
    static final long PREDICT_AFTER_NANOS = 1_000_000_000L;
    /** ... and stop adding them this long after the peer was first tried. */
    static final long PREDICT_UNTIL_NANOS = 10_000_000_000L;

    /**
     * Where handshakes and punch packets for a peer that is not connected go: its usable
     * candidates; and, from {@link #PREDICT_AFTER_NANOS} to {@link #PREDICT_UNTIL_NANOS} after it
     * was first tried, where the transports guess its NAT maps it for this node (a NAT that gives
     * each new destination the next port). A packet sent there first opens this node's NAT for
     * the peer's. Caller holds p.
     */
    private List<InetSocketAddress> attemptTargets(Peer p, long now) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : p.candidates) {
            if (usable(a)) {
                out.add(a);
            }
        }
        long waited = now - p.waitingSince;
        if (relayOnly || waited < PREDICT_AFTER_NANOS || waited > PREDICT_UNTIL_NANOS) {
            return out;
        }
        List<InetSocketAddress> guesses = strategies.guesses(mapped(p));
        if (!guesses.isEmpty()) {
            p.predictedRounds++;
            out.addAll(guesses);
        }
        return out;
    }

    /** The side with the smaller static key starts rekeying, so the two never cross. */
    private boolean weInitiate(Peer p) {
        return java.util.Arrays.compare(self.publicKey(), p.staticKey) < 0;
    }

    private void initiateLocked(Peer p, long now) {
        Optional<KeyQueue.Key> key = keys.current(unixSeconds.getAsLong());
        List<InetSocketAddress> targets = p.endpoint != null && p.state == PeerState.CONNECTED ? List.of(p.endpoint)
                : attemptTargets(p, now);
        if (key.isEmpty() || targets.isEmpty()) {
            return;
        }
        try {
            Handshake hs = suite.initiate(self, p.staticKey, suite.derivePsk(key.get().secret()));
            int index = newIndex(p);
            ByteBuffer out = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
            Wire.header(out, Wire.HANDSHAKE_INIT);
            out.putInt(index);
            ByteBuffer payload = ByteBuffer.allocate(12).putInt(key.get().id()).putLong(System.currentTimeMillis());
            hs.writeMessage(payload.flip(), out);
            out.flip();
            for (InetSocketAddress to : targets) {
                socket.send(to, out.duplicate());
            }
            note(p, (p.state == PeerState.CONNECTED ? "rekey handshake to " : "handshake to ") + describeTargets(p, targets));
            p.pending = hs;
            p.handshakes++;
            p.pendingIndex = index;
            p.pendingKeyId = key.get().id();
            p.pendingSince = now;
            p.lastSent = now;
            if (p.state == PeerState.INITIALIZING) {
                p.state = PeerState.WAITING_CONNECTION;
            }
        } catch (GeneralSecurityException e) {
            log.info("Cannot start a handshake with " + p.id + ": " + e.getMessage());
        }
    }

    /**
     * Starts a new handshake with every connected peer now (after a key change, or on request);
     * with each peer, the side that starts handshakes does.
     */
    void rekeyAll() {
        control.execute(() -> {
            long now = nanos.getAsLong();
            for (Peer p : peers.values()) {
                synchronized (p) {
                    if (p.state == PeerState.CONNECTED && weInitiate(p)) {
                        initiateLocked(p, now);
                    }
                }
            }
        });
    }

    /** A keepalive; it carries this node's overlay address and MAC when it has them (peer info). */
    /** Sends the frames that waited for the handshake. Caller holds p, which is connected. */
    private void flushWaitingLocked(Peer p, long now) {
        for (byte[] f = p.waiting.poll(); f != null; f = p.waiting.poll()) {
            sendLocked(p, ByteBuffer.wrap(f), now);
        }
    }

    private void keepaliveLocked(Peer p, long now) {
        p.plain.clear();
        io.subutai.p2p.api.Ipv4Cidr overlay = this.overlay;
        if (overlay != null) {
            p.plain.put((byte) INNER_PEER_INFO).putInt(overlay.address()).put((byte) overlay.prefix())
                    .put(tap.mac().toBytes()).flip();
        } else {
            p.plain.put((byte) INNER_KEEPALIVE).flip();
        }
        sealAndSendLocked(p, now);
    }

    private void forget(Peer p) {
        peers.remove(p.id, p);
        for (Slot s : new Slot[] {p.current, p.previous, p.next}) {
            if (s != null) {
                byIndex.remove(s.localIndex(), s);
            }
        }
        sw.forget(p);
        log.info("Peer " + p.id + " removed");
    }

    @Override
    public void close() {
        closed = true;
        for (AutoCloseable r : registrations) {
            try {
                r.close();
            } catch (Exception e) {
                // the socket is going away anyway
            }
        }
        control.shutdownNow();
        try {
            tap.close(); // wakes the reader
        } catch (IOException e) {
            log.info("Closing " + tap.name() + ": " + e.getMessage());
        }
        try {
            reader.join(2000);
            control.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
