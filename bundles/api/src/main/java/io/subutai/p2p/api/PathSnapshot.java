package io.subutai.p2p.api;

/**
 * One way to a peer, as the engine measured it.
 *
 * @param endpoint  where datagrams to the peer go, {@code HOST:PORT} with IPv6 hosts in brackets:
 *                  one of the peer's addresses, or the handle at a relay that stands for it
 * @param kind      how this way reaches the peer
 * @param relay     for {@link PathKind#RELAY}, the relay server's {@code HOST:PORT}; else null
 * @param rttMicros smoothed round-trip time of the engine's probes, in microseconds; -1 while no
 *                  probe on this path was answered
 */
public record PathSnapshot(String endpoint, PathKind kind, String relay, long rttMicros) {
}
