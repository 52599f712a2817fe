package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.random.RandomGenerator;

import javax.crypto.Cipher;

/**
 * The receive thread's side of handshakes (docs/protocol.md §4.6): it checks each handshake
 * message's length and MACs, limits, answers a flood with cookies, and hands what deserves
 * Diffie-Hellman work to the {@link HandshakeManager} on the control loop. Everything here costs
 * a hash or two per datagram; nothing here changes a peer.
 */
final class HandshakeGate {

    /** The cookie secret is replaced this often; a cookie made under the one before still counts. */
    static final long SECRET_NANOS = 120_000_000_000L;
    /** Another protocol version's handshake is logged at most this often. */
    private static final long VERSION_SAID_NANOS = 60_000_000_000L;

    private final HandshakeManager handshakes;
    private final IndexTable table;
    private final Routing routing;
    private final ControlLoop loop;
    private final MeshCounters counters;
    private final MeshLog log;
    private final io.subutai.p2p.spi.DatagramPort socket;
    private final RandomGenerator random;
    /** The mac1 key of messages to this node, and the key it encrypts its cookies with. */
    private final byte[] mac1Key;
    private final byte[] cookieKey;

    // the receive thread's
    private HandshakeLimiter limiter; // made at the first initiation
    private byte[] secret;
    private byte[] previousSecret;
    private long secretAt;
    private Cipher cipher;
    private long lastVersionSaid;
    private boolean versionSaid;

    HandshakeGate(Mesh.Parts parts, HandshakeManager handshakes) {
        this.handshakes = handshakes;
        this.table = parts.table();
        this.routing = parts.routing();
        this.loop = parts.config().loop();
        this.counters = parts.counters();
        this.log = parts.config().log();
        this.socket = parts.config().socket();
        this.random = parts.random();
        byte[] self = parts.config().self().publicKey();
        this.mac1Key = Macs.mac1Key(self);
        this.cookieKey = Macs.cookieKey(self);
    }

    void onInitiation(InetSocketAddress from, ByteBuffer datagram) {
        if (!admissible(from, datagram, Wire.HANDSHAKE_INIT)) {
            return;
        }
        int start = datagram.position();
        int mac1At = datagram.limit() - 2 * Wire.MAC;
        int mac2At = mac1At + Wire.MAC;
        if (!Macs.valid(mac1Key, datagram, start, mac1At)) {
            counters.badMac.incrementAndGet(); // garbage, or made for another key: one hash, no more
            return;
        }
        long t = loop.nanoTime();
        if (limiter == null) {
            limiter = HandshakeLimiter.standard(t);
        }
        boolean proven = !Macs.zero(datagram, mac2At) && mac2Valid(from, datagram, start, mac2At, t);
        switch (limiter.initiation(HandshakeLimiter.sourceOf(from, routing.relayed(from)), proven, t)) {
            case DROP -> counters.rateLimited.incrementAndGet(); // before any Diffie-Hellman work
            case COOKIE -> cookie(from, datagram, mac1At, t);
            case READ -> {
                int senderIndex = Wire.index(datagram, Wire.HEADER);
                int suite = datagram.get(start + Wire.HEADER + Wire.INDEX) & 0xff;
                ByteBuffer msg = copy(datagram, Wire.HEADER + Wire.INDEX + Wire.SUITE, 2 * Wire.MAC);
                loop.execute(() -> handshakes.respond(from, msg, senderIndex, suite));
            }
        }
    }

    /** Whether {@code datagram} is a well-formed {@code type} message from a source that may carry anything; counts it if not. */
    private boolean admissible(InetSocketAddress from, ByteBuffer datagram, int type) {
        if (Wire.classify(datagram) != type) {
            counters.malformed.incrementAndGet();
            otherVersion(from, datagram);
            return false;
        }
        if (!routing.usable(from)) {
            counters.notRelayed.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Whether the mac2 at {@code mac2At} is keyed by the cookie of {@code from} under the current secret or the one before. */
    private boolean mac2Valid(InetSocketAddress from, ByteBuffer datagram, int start, int mac2At, long now) {
        rotate(now);
        return Macs.valid(Macs.cookie(secret, from), datagram, start, mac2At)
                || previousSecret != null && Macs.valid(Macs.cookie(previousSecret, from), datagram, start, mac2At);
    }

    private void rotate(long now) {
        if (secret == null || now - secretAt >= SECRET_NANOS) {
            previousSecret = secret != null && now - secretAt < 2 * SECRET_NANOS ? secret : null;
            secret = new byte[32];
            random.nextBytes(secret);
            secretAt = now;
        }
    }

    /** Under load: answers an initiation that did not prove its source with that source's cookie, sealed to the initiation. */
    private void cookie(InetSocketAddress from, ByteBuffer datagram, int mac1At, long now) {
        rotate(now); // not read: the source must come back with its cookie
        if (cipher == null) {
            cipher = Macs.cipher();
        }
        byte[] mac1 = new byte[Wire.MAC];
        datagram.get(mac1At, mac1);
        try {
            socket.send(from, Macs.reply(cipher, cookieKey, Wire.index(datagram, Wire.HEADER), mac1,
                    Macs.cookie(secret, from), random));
            counters.cookies.incrementAndGet();
        } catch (GeneralSecurityException | RuntimeException e) {
            counters.sendFailures.incrementAndGet();
        }
    }

    /** A COOKIE_REPLY to one of this node's initiations: for the control loop, which keeps the cookie and sends again. */
    void onCookie(InetSocketAddress from, ByteBuffer datagram) {
        if (Wire.classify(datagram) != Wire.COOKIE_REPLY) {
            counters.malformed.incrementAndGet();
            return;
        }
        if (!routing.usable(from)) {
            counters.notRelayed.incrementAndGet(); // the initiation would go again by a path this network does not use
            return;
        }
        if (!(table.get(Wire.index(datagram, Wire.HEADER)) instanceof PendingHandshake ph)) {
            counters.noHandshake();
            return;
        }
        ByteBuffer reply = copy(datagram, 0, 0);
        loop.execute(() -> handshakes.cookie(from, ph, reply));
    }

    /** A responder will not answer this node's initiation with the suite it was made with (§4.5). */
    void onRefused(InetSocketAddress from, ByteBuffer datagram) {
        if (Wire.classify(datagram) != Wire.HANDSHAKE_REFUSED) {
            counters.malformed.incrementAndGet();
            return;
        }
        int receiverIndex = Wire.index(datagram, Wire.HEADER);
        if (!(table.get(receiverIndex) instanceof PendingHandshake ph)) {
            counters.noHandshake();
            return;
        }
        int reason = Wire.refusedReason(datagram);
        int[] accepted = Wire.refusedSuites(datagram);
        loop.execute(() -> handshakes.refused(from, ph, reason, accepted));
    }

    void onResponse(InetSocketAddress from, ByteBuffer datagram) {
        if (!admissible(from, datagram, Wire.HANDSHAKE_RESP)) {
            return;
        }
        int senderIndex = Wire.index(datagram, Wire.HEADER);
        int receiverIndex = Wire.index(datagram, Wire.HEADER + Wire.INDEX);
        // one lookup by index, never a scan of the peers; then one hash; then a budget
        if (!(table.get(receiverIndex) instanceof PendingHandshake)) {
            counters.noHandshake(); // no handshake of this node's: dropped before the loop sees it
            return;
        }
        if (!Macs.valid(mac1Key, datagram, datagram.position(), datagram.limit() - Wire.MAC)) {
            counters.badMac.incrementAndGet();
            return;
        }
        long t = loop.nanoTime();
        if (limiter == null) {
            limiter = HandshakeLimiter.standard(t);
        }
        if (!limiter.response(t)) {
            counters.rateLimited.incrementAndGet();
            return;
        }
        ByteBuffer msg = copy(datagram, Wire.HEADER + 2 * Wire.INDEX, Wire.MAC);
        loop.execute(() -> handshakes.complete(from, msg, senderIndex, receiverIndex));
    }

    /** The datagram's bytes after the first {@code skip} and before the last {@code trim}, in a buffer of their own. */
    private static ByteBuffer copy(ByteBuffer datagram, int skip, int trim) {
        ByteBuffer d = datagram.duplicate();
        d.position(d.position() + skip).limit(d.limit() - trim);
        return ByteBuffer.allocate(d.remaining()).put(d).flip();
    }

    /** Says (once a minute at most) why a node of another protocol version never connects. */
    private void otherVersion(InetSocketAddress from, ByteBuffer datagram) {
        if (!datagram.hasRemaining() || datagram.get(datagram.position()) == Wire.VERSION) {
            return;
        }
        counters.otherVersion.incrementAndGet();
        long now = loop.nanoTime();
        if (!versionSaid || now - lastVersionSaid > VERSION_SAID_NANOS) {
            versionSaid = true;
            lastVersionSaid = now;
            log.warn("Dropped a handshake from " + Endpoints.text(from) + " in protocol version "
                    + (datagram.get(datagram.position()) & 0xff) + ": this node speaks version " + Wire.VERSION
                    + " (docs/protocol.md); update the other node");
        }
    }
}
