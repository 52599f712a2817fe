package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.StaticKeys;

/**
 * Handshakes (Nebula's {@code handshake_manager.go}, wireguard-go's {@code noise-protocol.go}):
 * initiating, with retries and the tie-break that keeps two sides from crossing, and with the
 * cookie a responder under load gave; answering; completing; rekeying; and the nodes that answered
 * handshakes came from before a packet proved they hold the network key. The receive thread only
 * checks MACs, limits and hands each handshake message over ({@link HandshakeGate}); all the
 * handshake work runs here on the control loop, outside the lock the data path seals under; the
 * sessions it makes are installed under that lock in a moment. An answered initiation changes no
 * peer's state or endpoint: the initiator's first DATA packet confirms the session, and only then
 * does the peer change (docs/protocol.md §4.6).
 */
final class HandshakeManager {

    /** A session is never used longer than this (a rekey is due long before: 120 s). */
    static final long REJECT_AFTER_NANOS = 180_000_000_000L;
    /** An answered handshake from an unknown node that no packet confirmed is forgotten after this. */
    static final long UNCONFIRMED_NANOS = 10_000_000_000L;
    /** At most this many answered handshakes from unknown nodes wait for confirmation. */
    static final int MAX_UNCONFIRMED = 256;
    /** An initiation whose timestamp is further than this from this node's clock is refused (a replay of an old one). */
    static final long TIMESTAMP_WINDOW_MILLIS = 120_000;
    /** A cookie a responder gave is used this long (its secret changes every 120 s; one made under the one before counts). */
    static final long COOKIE_NANOS = 120_000_000_000L;
    /** Handshake retries come this fast in the first moments of a peer, while NATs on the way open. */
    static final long EARLY_RETRY_NANOS = 250_000_000L;

    private final SuiteChoice choice;
    private final Renewals renewals;
    private final StaticKeys self;
    private final byte[] selfKey;
    private final KeyQueue keys;
    private final IndexTable table;
    private final Map<PeerId, Peer> peers;
    private final java.util.Set<PeerId> revoked;
    private final Routing routing;
    private final DatagramPort socket;
    private final ControlLoop loop;
    private final MeshCounters counters;
    private final Sender sender;
    private final HolePunch holePunch;
    private final MeshLog log;
    private final RandomGenerator random;
    private final long retry;
    private final AtomicInteger unconfirmed = new AtomicInteger();
    private final ByteBuffer handshakeOut = ByteBuffer.allocate(Wire.HANDSHAKE_MAX); // the loop's
    /** The mesh closed: nothing queued answers, completes or starts a handshake any more. */
    private volatile boolean closed;

    HandshakeManager(Mesh.Parts parts, Sender sender, HolePunch holePunch) {
        this.choice = new SuiteChoice(parts.config().suites(), parts.config().requiredSuite(), parts.config().log(),
                parts.config().socket(), parts.peers());
        this.renewals = new Renewals(parts.peers());
        this.self = parts.config().self();
        this.selfKey = self.publicKey();
        this.keys = parts.config().keys();
        this.table = parts.table();
        this.peers = parts.peers();
        this.revoked = parts.revoked();
        this.routing = parts.routing();
        this.socket = parts.config().socket();
        this.loop = parts.config().loop();
        this.counters = parts.counters();
        this.log = parts.config().log();
        this.random = parts.random();
        this.retry = parts.config().timing().retryNanos();
        this.sender = sender;
        this.holePunch = holePunch;
    }

    void close() {
        closed = true;
    }

    /** A new peer object for {@code id} (known to no map yet). */
    Peer newPeer(PeerId id, byte[] staticKey, Peer.Candidates candidates, long now) {
        return new Peer(id, staticKey, selfKey, candidates, now, log);
    }

    /**
     * The first packet under a session this node answered for a node it did not know: the node
     * holds the network key, so it becomes a peer now (or its session moves to the peer discovery
     * found meanwhile). The receive thread's.
     *
     * @return the session, now a known peer's; null when its peer was forgotten (the packet is dropped)
     */
    Keypair adopt(Keypair k) {
        Peer fresh = k.peer();
        // under the unknown node's lock, as the sweep that may expire its session: one of the two wins.
        // Nobody else locks such a node, and the lock of the peer discovery found is taken inside it only here.
        synchronized (fresh) {
            if (fresh.state() == PeerState.STOPPED || table.get(k.localIndex()) != k) {
                return null; // forgotten, or the session expired meanwhile
            }
            unconfirmed.decrementAndGet();
            Peer existing = peers.putIfAbsent(fresh.id, fresh);
            if (existing == null) {
                log.info("Running peer " + fresh.id + " (it found this node first)");
                return k;
            }
            Keypair moved = k.movedTo(existing);
            synchronized (existing) {
                existing.keypairs.answerLocked(moved, table);
                if (!existing.connected()) {
                    existing.endpoint = fresh.endpoint;
                }
            }
            return moved;
        }
    }

    // ---- the control loop ----

    /** Answers an initiation ({@code msg}: what follows the sender's index and the suite). */
    void respond(InetSocketAddress from, ByteBuffer msg, int senderIndex, int suiteId) {
        if (closed) {
            return;
        }
        Suites.Suite s = choice.forInitiation(suiteId);
        if (s == null) {
            counters.refused();
            choice.refuse(from, senderIndex, suiteId, loop.nanoTime());
            return;
        }
        CryptoSuite suite = s.impl();
        long unixNow = loop.currentTimeMillis() / 1000;
        Optional<KeyQueue.Key> current = keys.current(unixNow);
        if (current.isEmpty()) {
            counters.refused();
            return;
        }
        boolean reserved = false;
        try {
            ByteBuffer payload = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
            Handshake hs = suite.respond(self, suite.derivePsk(current.get().secret()));
            hs.readMessage(msg.duplicate(), payload);
            payload.flip();
            if (payload.remaining() < 13) {
                throw new GeneralSecurityException("initiation without key id, timestamp and suites");
            }
            int keyId = payload.getInt();
            long timestamp = payload.getLong();
            if (Math.abs(timestamp - loop.currentTimeMillis()) > TIMESTAMP_WINDOW_MILLIS) {
                throw new GeneralSecurityException("initiation from another time (a replay, or a clock off by over 120 s)");
            }
            int[] remoteSuites = SuiteChoice.read(payload);
            int usedKey = current.get().id();
            if (keyId != usedKey) {
                Optional<KeyQueue.Key> other = keys.accepted(keyId, unixNow);
                if (other.isEmpty()) {
                    throw new GeneralSecurityException("initiation with a key this node does not accept");
                }
                hs = suite.respond(self, suite.derivePsk(other.get().secret()));
                hs.readMessage(msg.duplicate(), ByteBuffer.allocate(Wire.HANDSHAKE_MAX));
                usedKey = keyId;
            }
            byte[] initiatorKey = hs.remoteStaticKey();
            PeerId id = PeerIds.of(initiatorKey);
            if (revoked.contains(id)) {
                throw new GeneralSecurityException("initiation from revoked member " + id);
            }
            long now = loop.nanoTime();
            Peer p = peers.get(id);
            if (p == null) {
                // not a peer until a packet proves it holds the key (IKpsk2's responder cannot tell yet);
                // the slot is given back in the finally below unless the answered session holds it
                reserved = true;
                if (unconfirmed.incrementAndGet() > MAX_UNCONFIRMED) {
                    throw new GeneralSecurityException("too many unconfirmed handshakes");
                }
                p = newPeer(id, initiatorKey, new Peer.Candidates(List.of(from), java.util.Set.of()), now);
                p.endpoint = from; // a node of its own, in no map: where adopt finds it
            }
            if (timestamp <= p.handshake.lastInitiationTimestamp) {
                throw new GeneralSecurityException("replayed initiation");
            }
            p.handshake.lastInitiationTimestamp = timestamp;
            choice.learn(p, remoteSuites, now);
            int localIndex = table.newIndex(random);
            handshakeOut.clear();
            Wire.header(handshakeOut, Wire.HANDSHAKE_RESP);
            handshakeOut.putInt(localIndex).putInt(senderIndex);
            hs.writeMessage(choice.payload(ByteBuffer.allocate(256)).flip(), handshakeOut);
            Macs.append(mac1Key(p), handshakeOut, 0);
            handshakeOut.flip();
            Keypair answered = new Keypair(p, hs.split(now), localIndex, senderIndex, now, usedKey, s);
            synchronized (p) {
                // nothing else of the peer changes (state, endpoint): a replayed initiation must not
                // move it; the initiator's first packet under the session confirms it (Inbound)
                p.keypairs.answerLocked(answered, table);
            }
            reserved = false; // the session holds the slot now: adopt or the sweep gives it back
            socket.send(from, handshakeOut);
        } catch (GeneralSecurityException | RuntimeException e) {
            counters.forged();
        } finally {
            if (reserved) {
                unconfirmed.decrementAndGet();
            }
        }
    }

    /** The key of the mac1 of handshake messages to {@code p}. */
    private static byte[] mac1Key(Peer p) {
        byte[] k = p.handshake.mac1Key;
        if (k == null) {
            k = Macs.mac1Key(p.staticKey);
            p.handshake.mac1Key = k;
        }
        return k;
    }

    /** Completes a handshake this node began ({@code msg}: what follows the two indexes). */
    void complete(InetSocketAddress from, ByteBuffer msg, int senderIndex, int receiverIndex) {
        if (closed) {
            return;
        }
        if (!(table.get(receiverIndex) instanceof PendingHandshake ph) || ph.peer().handshake.pending != ph) {
            counters.noHandshake();
            return;
        }
        Peer p = ph.peer();
        ByteBuffer payload = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
        int[] remoteSuites;
        try {
            ph.handshake().readMessage(msg, payload);
            remoteSuites = SuiteChoice.read(payload.flip());
        } catch (GeneralSecurityException e) {
            counters.forged();
            return;
        }
        long now = loop.nanoTime();
        Keypair k = new Keypair(p, ph.handshake().split(now), ph.localIndex(), senderIndex, now, ph.keyId(), ph.suite());
        p.handshake.pending = null;
        synchronized (p) {
            p.keypairs.installLocked(k, table); // under the handshake's index, which it replaces
            counters.handshakesCompleted.incrementAndGet();
            p.endpoint = from;
            p.lastReceived = now;
            sender.connectedLocked(p, PeerEvent.connected(from, routing.describe(p, from)), now, loop.currentTimeMillis());
        }
        p.handshake.noSuiteSaid = false;
        choice.learn(p, remoteSuites, now);
        renewals.renewed(p, now);
        if (p.weInitiate && choice.upgradable(p, k, now)) {
            initiate(p, now, true); // both sides have a better suite than this session's: move to it
        }
    }

    // ---- suites (docs/protocol.md §3.1, §4.5) ----

    /** The responder at {@code from} refused this node's initiation {@code ph}: another suite at once, if there is one. */
    void refused(InetSocketAddress from, PendingHandshake ph, int reason, int[] accepted) {
        Peer p = ph.peer();
        if (closed || p.handshake.pending != ph) {
            return;
        }
        long now = loop.nanoTime();
        table.remove(ph);
        p.handshake.pending = null;
        counters.handshakesFailed.incrementAndGet();
        if (choice.refusedBy(p, ph.suite(), reason, accepted, from, now, loop.currentTimeMillis())) {
            initiate(p, now, p.connected()); // the next suite, now
        } // else the best again, at the retry pace
    }

    /**
     * The suites changed (one came, went, or was replaced): what peers said and refused is
     * forgotten and every connected peer gets a new handshake now, with the best suite there is,
     * while the sessions made before carry the traffic. {@code done} is told, on the loop, how it went.
     */
    void suitesChanged(java.util.function.Consumer<String> done) {
        long now = loop.nanoTime();
        choice.reset(peers.values());
        renewals.start(now, done);
        for (Peer p : peers.values()) {
            if (p.connected()) {
                initiate(p, now, true);
            }
        }
        renewals.check(now);
    }

    /** Starts a handshake with {@code p} or rekeys, when it is time: its retries, and which side starts. */
    void tick(Peer p, long now) {
        PendingHandshake pending = p.handshake.pending;
        Keypair current = p.keypairs.current();
        PeerState s = p.state();
        if (s == PeerState.CONNECTED) {
            boolean renewing = renewals.wants(p); // after a change of suites, either side renews its own way
            if (current != null && (renewing || p.weInitiate && (current.session().rekeyDue(now)
                    || choice.upgradable(p, current, now))) && (pending == null || now - pending.created() > retry)) {
                initiate(p, now, true);
            }
        } else if ((pending == null || now - pending.created() > retryInterval(p, now))
                && (p.weInitiate || now - p.waitingSince > retry)) {
            // One side starts, so that handshakes do not cross; the other steps in when nothing
            // came within a retry interval (its packets may be the only ones that get through,
            // or the other side still holds a session from before this one restarted).
            initiate(p, now, false);
        }
    }

    /** Retries come every 250 ms in the first retry interval of a peer (holes open then), then every retry interval. */
    private long retryInterval(Peer p, long now) {
        return now - p.waitingSince < retry ? Math.min(EARLY_RETRY_NANOS, retry) : retry;
    }

    /**
     * Sends an initiation: a rekey to the path in use, else a first handshake everywhere the peer
     * may be; nothing when the peer is no longer (or not yet) connected as {@code rekey} says.
     */
    void initiate(Peer p, long now, boolean rekey) {
        InetSocketAddress endpoint;
        synchronized (p) {
            if (closed || p.connected() != rekey) {
                return;
            }
            endpoint = p.endpoint;
        }
        Optional<KeyQueue.Key> key = keys.current(loop.currentTimeMillis() / 1000);
        List<InetSocketAddress> targets = rekey && endpoint != null ? List.of(endpoint) : holePunch.targets(p, now);
        if (key.isEmpty() || targets.isEmpty()) {
            return;
        }
        Suites.Suite s = choice.pick(p, now);
        if (s == null) {
            choice.noSuite(p);
            return;
        }
        CryptoSuite suite = s.impl();
        try {
            Handshake hs = suite.initiate(self, p.staticKey, suite.derivePsk(key.get().secret()));
            int index = table.newIndex(random);
            ByteBuffer out = ByteBuffer.allocate(Wire.HANDSHAKE_MAX);
            Wire.header(out, Wire.HANDSHAKE_INIT);
            out.putInt(index).put((byte) s.id());
            ByteBuffer payload = ByteBuffer.allocate(256).putInt(key.get().id()).putLong(loop.currentTimeMillis());
            hs.writeMessage(choice.payload(payload).flip(), out);
            Macs.append(mac1Key(p), out, 0);
            byte[] sent = new byte[out.position()];
            out.flip().get(sent);
            PendingHandshake ph = new PendingHandshake(p, hs, index, key.get().id(), now, s, sent);
            PendingHandshake before = p.handshake.pending;
            if (before != null) {
                table.remove(before);
            }
            p.handshake.pending = ph;
            table.put(ph);
            if (before != null) {
                counters.handshakesFailed.incrementAndGet(); // no response to it before this retry
            }
            for (InetSocketAddress to : targets) {
                send(p, ph, to, now);
            }
            p.attempts.handshakes++;
            counters.handshakesInitiated.incrementAndGet();
            PeerEvent event = PeerEvent.handshake(rekey, holePunch.describe(p, targets));
            long wall = loop.currentTimeMillis();
            synchronized (p) {
                p.lastSent = now;
                if (p.state() == PeerState.INITIALIZING) {
                    p.changeStateLocked(PeerState.WAITING_CONNECTION, event, now, wall);
                } else {
                    p.note(event, wall);
                }
            }
        } catch (GeneralSecurityException | RuntimeException | LinkageError e) {
            log.warn("Cannot start a handshake with " + p.id + " (suite " + s.name() + "): " + e);
        }
    }

    /** Sends initiation {@code ph} to {@code to}, with a mac2 when the peer gave a cookie for that address in the last 120 s. */
    private void send(Peer p, PendingHandshake ph, InetSocketAddress to, long now) {
        PeerHandshake h = p.handshake;
        boolean cookie = h.cookie != null && to.equals(h.cookieFor) && now - h.cookieAt < COOKIE_NANOS;
        ByteBuffer out = ByteBuffer.allocate(ph.sent().length + Wire.MAC).put(ph.sent());
        Macs.append(cookie ? h.cookie : null, out, 0);
        socket.send(to, out.flip());
    }

    /**
     * A COOKIE_REPLY came for initiation {@code ph}: the responder at {@code from} is under load and
     * wants proof of this node's address. The cookie is kept, and the initiation goes again at once
     * with its mac2 (once per reply, and only for a reply that opens: sealed to this initiation's
     * mac1 under the responder's key).
     */
    void cookie(InetSocketAddress from, PendingHandshake ph, ByteBuffer reply) {
        Peer p = ph.peer();
        if (closed || p.handshake.pending != ph) {
            return;
        }
        byte[] sent = ph.sent();
        byte[] mac1 = java.util.Arrays.copyOfRange(sent, sent.length - Wire.MAC, sent.length);
        byte[] cookie = Macs.openReply(Macs.cookieKey(p.staticKey), reply, mac1);
        if (cookie == null) {
            counters.forged();
            return;
        }
        long now = loop.nanoTime();
        PeerHandshake h = p.handshake;
        boolean again = h.cookie == null || !from.equals(h.cookieFor) || now - h.cookieAt >= COOKIE_NANOS
                || !java.util.Arrays.equals(cookie, h.cookie);
        h.cookie = cookie;
        h.cookieFor = from;
        h.cookieAt = now;
        if (again) {
            send(p, ph, from, now);
        }
    }

    /** With every connected peer, the side that starts handshakes starts one now (after a key change, or on request). */
    void rekeyAll() {
        long now = loop.nanoTime();
        for (Peer p : peers.values()) {
            if (p.connected() && p.weInitiate) {
                initiate(p, now, true);
            }
        }
    }

    /**
     * Ends sessions too old or under a key no longer valid, and forgets answered handshakes of
     * unknown nodes that no packet confirmed in time.
     */
    void sweep(long now) {
        renewals.check(now); // a renewal that cannot complete is reported by its deadline
        long unixNow = loop.currentTimeMillis() / 1000;
        table.forEach(e -> {
            if (!(e instanceof Keypair k)) {
                return;
            }
            Peer p = k.peer();
            boolean known;
            synchronized (p) { // against adopt: a session is expired or adopted, never both
                known = peers.get(p.id) == p;
                if (!known && now - k.created() > UNCONFIRMED_NANOS && table.remove(k)) {
                    unconfirmed.decrementAndGet();
                }
            }
            if (!known) {
                return;
            }
            if (now - k.created() > REJECT_AFTER_NANOS || keys.accepted(k.keyId(), unixNow).isEmpty()) {
                synchronized (p) {
                    if (p.keypairs.retireLocked(k, table) && p.connected()) {
                        p.changeStateLocked(PeerState.DISCONNECTED, PeerEvent.SESSION_ENDED, now, loop.currentTimeMillis());
                    }
                }
            }
        });
    }

    /** Forgets the handshake this node began with a peer that is forgotten. */
    void forget(Peer p) {
        PendingHandshake ph = p.handshake.pending;
        if (ph != null) {
            table.remove(ph);
            p.handshake.pending = null;
        }
    }
}
