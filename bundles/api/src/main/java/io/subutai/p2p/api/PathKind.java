package io.subutai.p2p.api;

/**
 * How a path reaches a peer. The engine ranks the kinds that go straight to the peer (LAN, DIRECT,
 * PUNCHED) alike, by round-trip time, and a relayed path after all of them; {@code show},
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
    RELAY;

    /** Whether datagrams on a path of this kind go through a relay. */
    public boolean relayed() {
        return this == RELAY;
    }

    /**
     * A path of this kind as {@code show}, {@code status} and {@code debug} name it: {@code lan},
     * {@code direct}, {@code punched}, or {@code relay HOST:PORT} with the relay's {@code relay}.
     */
    public String label(String relay) {
        return this == RELAY ? "relay " + relay : name().toLowerCase(java.util.Locale.ROOT);
    }
}
