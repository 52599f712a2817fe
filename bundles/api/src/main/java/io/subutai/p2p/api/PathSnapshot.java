package io.subutai.p2p.api;

/**
 * One way to a peer.
 *
 * @param endpoint  where datagrams go, as {@code show} prints it (IPv6 in brackets)
 * @param kind      what kind of path it is
 * @param relay     {@code HOST:PORT} of the relay of a {@link PathKind#RELAY} path, else null
 * @param rttMicros the smoothed round-trip time of its probes, in microseconds; -1 when none was answered
 */
public record PathSnapshot(String endpoint, PathKind kind, String relay, long rttMicros) {
}
