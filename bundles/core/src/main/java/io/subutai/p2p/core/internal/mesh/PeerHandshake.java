package io.subutai.p2p.core.internal.mesh;

/** A peer's handshake state; the control loop's alone. */
final class PeerHandshake {

    /** The handshake this node began and waits for an answer to; null when none. */
    PendingHandshake pending;
    /** The newest initiation timestamp accepted from the peer: an older or equal one is a replay. */
    long lastInitiationTimestamp = -1;
    /** When punch packets last went to the peer. */
    long lastPunch;
}
