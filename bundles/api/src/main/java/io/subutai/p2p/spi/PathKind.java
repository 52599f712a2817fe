package io.subutai.p2p.spi;

/** Kinds of path, best first: the engine prefers an earlier kind before it compares latency. */
public enum PathKind {
    /** The peer's address on a LAN this host shares. */
    LAN,
    /** The peer's public address, reached without help. */
    DIRECT,
    /** A NAT mapping opened by simultaneous probes. */
    PUNCHED,
    /** Through a relay that forwards ciphertext. */
    RELAY
}
