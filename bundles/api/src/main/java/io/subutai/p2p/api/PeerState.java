package io.subutai.p2p.api;

/** A peer's state, with the original tool's names (reference §5.4), as {@code status} prints them. */
public enum PeerState {
    /** Known from discovery; nothing sent yet. */
    INITIALIZING,
    WAITING_IP,
    REQUESTING_PROXIES,
    WAITING_PROXIES,
    /** A handshake was sent; no answer yet. */
    WAITING_CONNECTION,
    /** Answered a handshake; waiting for the first packet that confirms it. */
    INITIALIZING_CONNECTION,
    /** A session is up and packets arrive. */
    CONNECTED,
    /** Nothing arrived for too long; it comes back by itself when the peer does. */
    DISCONNECTED,
    STOPPED,
    /** Backing off after repeated failures. */
    COOLDOWN,
    UNKNOWN
}
