package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDevice;

/**
 * The data plane of one network (wireguard-go's {@code device.go}): its TAP, its switch, its
 * peers with their sessions, over the network's one datagram socket (docs/protocol.md).
 *
 * <pre>
 * outbound: TAP read (p2p-tap-NAME) -> switch -> peer session seal -> peer's batch -> socket send
 * inbound:  socket receive -> session by index -> open + replay check -> switch learns -> TAP write
 * </pre>
 *
 * Threads: the TAP thread ({@link Outbound}); the socket's receive thread ({@link Inbound}, and
 * the first checks of handshake messages); and the network's {@link ControlLoop}, which the mesh
 * does not own: the tick ({@link Timers}), all handshake work ({@link HandshakeManager}) and
 * discovery's news run there. Each peer's lock is the one the data path seals under (see {@link
 * Peer}); lock order: the TAP's lock, then a peer's, then the switch's or the index table's.
 * {@link #close} stops the TAP thread and unhooks the socket.
 */
public final class Mesh implements AutoCloseable {

    /**
     * What a mesh is made of.
     *
     * @param name    names the TAP thread ({@code p2p-tap-NAME})
     * @param socket  the network's socket, with the transports in it ({@link TransportMux})
     * @param routes  what the transports say of addresses ({@link Routes#NONE} without any)
     * @param overlay this node's overlay address, told to peers (null: not told)
     * @param relayOnly only relayed paths may carry anything ({@code start -fwd})
     * @param suites  the crypto suites there are, shared with the daemon's other networks
     * @param requiredSuite the one suite the network accepts ({@code start -crypto}); null: any
     * @param bridge  this node's TAP is in a bridge with other MACs behind it ({@code start -bridge}):
     *                peers let it send from them
     */
    public record Config(String name, TapDevice tap, DatagramPort socket, Routes routes, Suites suites,
            String requiredSuite, StaticKeys self, KeyQueue keys, MeshLog log, ControlLoop loop, Timing timing,
            Ipv4Cidr overlay, boolean relayOnly, boolean bridge) {

        /** A node that does not bridge. */
        public Config(String name, TapDevice tap, DatagramPort socket, Routes routes, Suites suites,
                String requiredSuite, StaticKeys self, KeyQueue keys, MeshLog log, ControlLoop loop, Timing timing,
                Ipv4Cidr overlay, boolean relayOnly) {
            this(name, tap, socket, routes, suites, requiredSuite, self, keys, log, loop, timing, overlay, relayOnly, false);
        }
    }

    /** The most peers a network has: discovery's news of more is ignored (and counted, {@link Counters#overLimit}). */
    public static final int MAX_PEERS = 1024;

    /** What the mesh dropped, and why. */
    public record Counters(long rejected, long sendFailures, long malformed, long unknownIndex, long incomplete,
            long rateLimited, long notRelayed, long spoofed, long overLimit, long badMac, long cookies, long otherVersion) {
    }

    /** What the mesh's parts share: its configuration, the peers, the index table, the counters. */
    record Parts(Config config, Map<PeerId, Peer> peers, IndexTable table, Routing routing, MeshCounters counters,
            RandomGenerator random, Set<PeerId> revoked, PathFit fit) {
    }

    private final Config config;
    private final PeerId selfId;
    private final EthernetSwitch<Peer> sw;
    private final Map<PeerId, Peer> peers = new ConcurrentHashMap<>();
    /** Members refused for good ({@code set -revoke}): never a peer again, whatever key they hold. */
    private final Set<PeerId> revoked = ConcurrentHashMap.newKeySet();
    private final MeshCounters counters = new MeshCounters();
    private final Routing routing;
    private final Sender sender;
    private final FloodReplay floods = new FloodReplay();
    private final HandshakeManager handshakes;
    private final HandshakeGate gate;
    private final Outbound outbound;
    private final Inbound inbound;
    private final Timers timers;
    private final Snapshots snapshots;
    private final List<AutoCloseable> registrations = new ArrayList<>();
    private volatile boolean closed;
    /** Whom to tell of renewals under way (told "the network stopped" if the mesh closes first). */
    private final Map<Object, java.util.function.Consumer<String>> renewing = new ConcurrentHashMap<>();
    /** This node's overlay address and prefix (null: none yet). */
    private volatile Ipv4Cidr overlay;
    /** {@code -pmtu}: frames fitted to each peer's path. */
    private final PathFit fit;

    private Mesh(Config config) {
        this.config = config;
        this.selfId = PeerIds.of(config.self().publicKey());
        this.routing = new Routing(config.routes(), config.relayOnly());
        RandomGenerator random = new SecureRandom();
        this.fit = new PathFit(config.tap(), counters);
        Parts parts = new Parts(config, peers, new IndexTable(), routing, counters, random, revoked, fit);
        EthernetSwitch<Peer> sw = new EthernetSwitch<>(EthernetSwitch.mac(ByteBuffer.wrap(config.tap().mac().toBytes()), 0));
        this.sender = new Sender(config.socket(), counters, routing, config.tap().offload(), config.tap().mac(), config.overlay(),
                config.bridge(), fit);
        this.sw = sw;
        sw.addresses.own(config.overlay() == null ? 0 : config.overlay().address());
        HolePunch holePunch = new HolePunch(routing, config.timing(), config.loop());
        Paths paths = new Paths(routing, sender, counters, config.socket(), random, config.loop(), config.timing());
        this.handshakes = new HandshakeManager(parts, sender, holePunch);
        this.gate = new HandshakeGate(parts, handshakes);
        this.outbound = new Outbound(parts, sw, sender, floods);
        this.inbound = new Inbound(parts, sw, sender, paths, handshakes, outbound);
        this.timers = new Timers(parts, sw, handshakes, holePunch, paths, sender);
        this.snapshots = new Snapshots(routing);
        this.overlay = config.overlay();
    }

    /** Makes the mesh and starts it: it takes its message types from the socket, reads the TAP, and ticks on the loop. */
    public static Mesh start(Config config) {
        Mesh m = new Mesh(config);
        DatagramPort socket = config.socket();
        m.registrations.add(socket.register(Wire.HANDSHAKE_INIT, m.gate::onInitiation));
        m.registrations.add(socket.register(Wire.HANDSHAKE_RESP, m.gate::onResponse));
        m.registrations.add(socket.register(Wire.HANDSHAKE_REFUSED, m.gate::onRefused));
        m.registrations.add(socket.register(Wire.COOKIE_REPLY, m.gate::onCookie));
        m.registrations.add(socket.register(Wire.DATA, m.inbound::onData));
        m.outbound.start();
        ControlLoop loop = config.loop();
        long tick = config.timing().tickNanos();
        m.registrations.add(loop.every(m::tick, 0, tick));
        return m;
    }

    private void tick() {
        if (!closed) {
            timers.tick();
        }
    }

    public PeerId selfId() {
        return selfId;
    }

    /** A member was seen, or its endpoints changed: a new peer's handshake starts at once. Any thread. */
    public void peerSeen(Sighting s) {
        config.loop().execute(() -> seen(s));
    }

    private void seen(Sighting s) {
        PeerId id = PeerIds.of(s.staticKey());
        if (id.equals(selfId) || closed || revoked.contains(id)) {
            return;
        }
        long now = config.loop().nanoTime();
        Peer.Candidates candidates = Peer.Candidates.of(outsideOverlay(s.endpoints()), s.reflexive());
        boolean[] fresh = new boolean[1];
        if (peers.size() >= MAX_PEERS && !peers.containsKey(id)) {
            if (counters.overLimit.getAndIncrement() % 1000 == 0) {
                config.log().warn("Network " + config.name() + " has " + MAX_PEERS + " peers, the most it takes: " + id
                        + " and any more are ignored");
            }
            return;
        }
        Peer p = peers.computeIfAbsent(id, k -> {
            config.log().info("Running peer " + k);
            fresh[0] = true;
            Peer created = handshakes.newPeer(k, s.staticKey(), candidates, now);
            floods.replayTo(created, now);
            return created;
        });
        p.candidates = candidates;
        p.goneSince = 0;
        if (fresh[0]) {
            timers.tick(p, now); // handshake now, not at the next tick
        }
    }

    /**
     * The endpoints that are not in this network's own overlay: a path through the overlay would
     * carry the network inside itself, and die with it (a member heard through its own TAP).
     */
    private List<java.net.InetSocketAddress> outsideOverlay(List<java.net.InetSocketAddress> endpoints) {
        Ipv4Cidr o = overlay;
        if (o == null) {
            return endpoints;
        }
        List<java.net.InetSocketAddress> out = new ArrayList<>(endpoints.size());
        for (java.net.InetSocketAddress e : endpoints) {
            if (e.getAddress() == null || !o.contains(e.getAddress())) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Refuses the member {@code id} from now on ({@code set -revoke}): its sessions end, it is
     * forgotten, and discovery's news of it, its initiations and its packets are refused, although
     * it holds the network's key. Any thread; returns at once.
     */
    public void revoke(PeerId id) {
        revoked.add(id);
        config.loop().execute(() -> {
            Peer p = peers.get(id);
            if (p != null) {
                timers.forget(p);
            }
        });
    }

    /** A member left (discovery says): it is forgotten once it has been gone and disconnected long enough. Any thread. */
    public void peerGone(PeerId id) {
        config.loop().execute(() -> {
            Peer p = peers.get(id);
            if (p != null && p.goneSince == 0) {
                p.goneSince = config.loop().nanoTime();
            }
        });
    }

    /**
     * This node's overlay address changed (handed out by a bootstrap server, or {@code set -ip}):
     * every connected peer is told at once, in a peer info of its own. Any thread.
     */
    public void overlay(Ipv4Cidr address) {
        overlay = address;
        sw.addresses.own(address == null ? 0 : address.address());
        sender.overlay(address);
        config.loop().execute(() -> {
            long now = config.loop().nanoTime();
            for (Peer p : peers.values()) {
                synchronized (p) {
                    if (p.connected()) {
                        sender.keepaliveLocked(p, now);
                    }
                }
            }
        });
    }

    /** The ID of the peer that holds {@code address} in this network (announced it, or spoke for it lately), or null. Any thread. */
    public PeerId holder(Ipv4Cidr address) {
        Peer p = sw.addresses.holder(address.address(), config.loop().nanoTime());
        return p == null ? null : p.id;
    }

    /** {@code -pmtu} on or off: SYNs clamped, and packets too big for a peer's path answered with ICMP. Any thread. */
    public void pmtu(boolean on) {
        fit.on(on);
    }

    /** A new handshake with every connected peer now (after a key change, or on request). Any thread. */
    public void rekeyAll() {
        config.loop().execute(handshakes::rekeyAll);
    }

    /**
     * The crypto suites changed (one came, went, or was replaced): every connected peer gets a new
     * handshake with the best suite both sides have, while the sessions made before carry the
     * traffic; {@code done} is told how it went when all have one. Any thread.
     */
    public void suitesChanged(java.util.function.Consumer<String> done) {
        java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.function.Consumer<String> once = outcome -> {
            if (told.compareAndSet(false, true)) {
                renewing.remove(told);
                done.accept(outcome);
            }
        };
        renewing.put(told, once);
        if (closed) {
            once.accept("the network stopped");
            return;
        }
        config.loop().execute(() -> {
            if (!closed) {
                handshakes.suitesChanged(once);
            }
        });
    }

    /** Every peer as it is now. Any thread. */
    public List<PeerSnapshot> snapshot() {
        List<PeerSnapshot> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            out.add(snapshots.of(p));
        }
        return out;
    }

    /** One peer as it is now, if it is known. Any thread. */
    public Optional<PeerSnapshot> snapshot(PeerId id) {
        Peer p = peers.get(id);
        return p == null ? Optional.empty() : Optional.of(snapshots.of(p));
    }

    public Counters counters() {
        return counters.snapshot();
    }

    /** What the network counted, for metrics, with its peers by state now. Any thread. */
    public io.subutai.p2p.api.NetworkCounters counted(String networkId) {
        MeshCounters c = counters;
        Map<io.subutai.p2p.api.PathKind, io.subutai.p2p.api.NetworkCounters.Traffic> traffic = new java.util.EnumMap<>(
                io.subutai.p2p.api.PathKind.class);
        for (io.subutai.p2p.api.PathKind k : io.subutai.p2p.api.PathKind.values()) {
            int at = MeshCounters.PAD + k.ordinal() * 2;
            traffic.put(k, new io.subutai.p2p.api.NetworkCounters.Traffic(c.received.get(at), c.received.get(at + 1),
                    c.sent.get(at), c.sent.get(at + 1)));
        }
        Map<io.subutai.p2p.api.PeerState, Integer> states = new java.util.EnumMap<>(io.subutai.p2p.api.PeerState.class);
        for (Peer p : peers.values()) {
            states.merge(p.state(), 1, Integer::sum);
        }
        Map<String, Long> handshakes = Map.of("initiated", c.handshakesInitiated.get(), "completed", c.handshakesCompleted.get(),
                "failed", c.handshakesFailed.get(), "rate_limited", c.rateLimited.get());
        // each reason a sum of counters that only grow, so it only grows too
        Map<String, Long> drops = Map.of("replay", c.replayed.get(), "forged", c.forged.get() + c.badMac.get(),
                "malformed", c.malformed.get() + c.otherVersion.get(),
                "no_session", c.unknownIndex.get() + c.noHandshake.get(),
                "policy", c.spoofed.get() + c.overLimit.get() + c.notRelayed.get() + c.refused.get(),
                "too_big", c.tooBig.get());
        return new io.subutai.p2p.api.NetworkCounters(networkId, config.name(), traffic, states, handshakes, drops,
                c.pathChanges.get(), c.tapErrors.get());
    }

    /** Stops the TAP thread, unhooks the socket and closes the TAP; the loop and the socket are the caller's. */
    @Override
    public void close() {
        closed = true;
        for (java.util.function.Consumer<String> r : List.copyOf(renewing.values())) {
            r.accept("the network stopped");
        }
        handshakes.close();
        inbound.close();
        for (AutoCloseable r : registrations) {
            try {
                r.close();
            } catch (Exception e) {
                // the socket is going away anyway
            }
        }
        outbound.close();
    }
}
