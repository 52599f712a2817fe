package io.subutai.p2p.api;

/**
 * How a path reaches a peer. The engine ranks the kinds that go straight to the peer (LAN, DIRECT,
 * PUNCHED) alike, by round-trip time, a path through a relay after all of them, and one that
 * crosses a TCP stream (to or from a member whose network blocks UDP) last; {@code show},
 * {@code status} and {@code debug} name the kind of the path in use.
 */
public enum PathKind {
    /** The peer's address on a LAN this host shares. */
    LAN,
    /** The peer's public address, reached without help. */
    DIRECT,
    /** A NAT's mapping of the peer, opened by packets sent both ways (a punched hole). */
    PUNCHED,
    /** Through a relay that forwards ciphertext. */
    RELAY,
    /**
     * Through a relay, over a TCP stream on one side (this node's, or the peer's): WebSocket on TLS,
     * or plain TCP, where UDP does not pass. Used only while no UDP path answers.
     */
    RELAY_TCP;

    /** Whether datagrams on a path of this kind go through a relay. */
    public boolean relayed() {
        return this == RELAY || this == RELAY_TCP;
    }

    /**
     * How the kind ranks, lower first: 0 straight to the peer (LAN, DIRECT, PUNCHED: then by
     * round-trip time), 1 through a relay, 2 through a relay over a TCP stream.
     */
    public int rank() {
        return this == RELAY_TCP ? 2 : this == RELAY ? 1 : 0;
    }

    /**
     * A path of this kind as {@code show}, {@code status} and {@code debug} name it: {@code lan},
     * {@code direct}, {@code punched}, {@code relay HOST:PORT} with the relay's {@code relay}, or
     * {@code relay-tcp HOST:PORT}.
     */
    public String label(String relay) {
        return this == RELAY ? "relay " + relay
                : this == RELAY_TCP ? "relay-tcp " + relay : name().toLowerCase(java.util.Locale.ROOT);
    }
}
