package io.subutai.p2p.api;

/**
 * Kinds of path to a peer, best first: the engine prefers an earlier kind before it compares
 * latency. Transports give the kind of the paths they offer; {@code show}, {@code status} and
 * {@code debug} report it.
 */
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
