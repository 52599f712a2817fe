package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;

/**
 * Something that happened with a peer, said once for both the log and the peer's history
 * ({@code p2p debug}), weighed by how much a user cares.
 */
record PeerEvent(String text, Weight weight) {

    enum Weight {
        /** Something changed (connected, path switched, silent): logged at info, and in the history. */
        CHANGE,
        /** An attempt, often repeated (a handshake, punch packets): in the history, logged at debug only. */
        ATTEMPT,
        /** A step users need not see: logged at debug only. */
        STEP
    }

    static PeerEvent of(String text) {
        return new PeerEvent(text, Weight.CHANGE);
    }

    static PeerEvent quiet(String text) {
        return new PeerEvent(text, Weight.STEP);
    }

    static PeerEvent attempt(String text) {
        return new PeerEvent(text, Weight.ATTEMPT);
    }

    /** A session works: the first packet of the peer came, or its answer to this node's handshake. */
    static PeerEvent connected(InetSocketAddress via, String kind) {
        return of("connected via " + Endpoints.text(via) + " (" + kind + ")");
    }

    static PeerEvent silent(long deadNanos) {
        return of("disconnected: nothing for " + deadNanos / 1_000_000_000 + " s");
    }

    static final PeerEvent SESSION_ENDED = of("session ended (too old, or its key expired)");
    static final PeerEvent REMOVED = of("removed");

    static PeerEvent answered(InetSocketAddress from) {
        return quiet("answered a handshake from " + Endpoints.text(from));
    }

    static PeerEvent handshake(boolean rekey, String targets) {
        return attempt((rekey ? "rekey handshake to " : "handshake to ") + targets);
    }

    static PeerEvent punch(String targets) {
        return attempt("punch packets to " + targets);
    }

    /**
     * The path in use changed to {@code to} (of {@code kind}, measured {@code rttNanos}); {@code
     * from} was the one before (null: none), {@code fromLive} whether it still answered.
     */
    static PeerEvent path(InetSocketAddress to, String kind, long rttNanos, InetSocketAddress from, boolean fromLive) {
        return of("path " + Endpoints.text(to) + " (" + kind + ", " + rttNanos / 1000 + " us)"
                + (from == null ? "" : (fromLive ? " is better than " : " replaces silent ") + Endpoints.text(from)));
    }
}
