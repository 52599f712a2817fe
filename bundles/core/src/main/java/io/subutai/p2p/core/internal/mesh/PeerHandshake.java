package io.subutai.p2p.core.internal.mesh;

/** A peer's handshake state; the control loop's alone. */
final class PeerHandshake {

    /** The handshake this node began and waits for an answer to; null when none. */
    PendingHandshake pending;
    /** The newest initiation timestamp accepted from the peer: an older or equal one is a replay. */
    long lastInitiationTimestamp = -1;
    /** When punch packets last went to the peer. */
    long lastPunch;
    /**
     * Suites the peer refused (an unauthenticated hint, §4.5): not offered again until the peer's
     * own authenticated word, or a change of this node's suites, says otherwise.
     */
    final java.util.BitSet refused = new java.util.BitSet(256);
    /** When the peer last refused a suite (0: never). */
    long refusedAt;
    /** The suites the peer's network accepts, best first, as its last handshake said; null while unknown. */
    int[] remoteSuites;
    /** Whether "no suite in common" was said for the peer since it last connected (said once). */
    boolean noSuiteSaid;
    /** The key of the mac1 of initiations to the peer (§4.6); made at the first. */
    byte[] mac1Key;
    /** The cookie the peer last gave (null: none), the address it gave it for, and when (the loop's clock). */
    byte[] cookie;
    java.net.InetSocketAddress cookieFor;
    long cookieAt;
}
