package io.subutai.p2p.api;

import java.util.List;

/**
 * A member of a network as this node sees it, at one moment.
 *
 * @param id         the peer's ID (derived from its static key)
 * @param state      its state
 * @param ip         its overlay IP, dotted; null while it did not say
 * @param mac        its TAP interface's MAC; null while it did not say
 * @param endpoint   where datagrams to it go now, {@code HOST:PORT} (IPv6 hosts in brackets); null
 *                   while none was chosen
 * @param path       the path in use while it is {@link PeerState#CONNECTED}; else null
 * @param paths      every path it was reached or heard by, with what probing found
 * @param candidates the addresses it announced, and those found for it
 * @param attempts   what was done to reach it
 * @param history    what happened with it lately, oldest first
 * @param suite      the crypto suite of the session in use ({@code noise-ikpsk2},
 *                   {@code noise-ikpsk2-mlkem768}, ...); null while there is none
 * @param maxDatagram the longest datagram sent to it on the path in use, in bytes: the protocol's
 *                   1452, or less when this host knows a smaller MTU on the way; 0 when not told
 * @param probedDatagram the longest datagram that path MTU probes found to cross the path in use,
 *                   unfragmented, in bytes, when it is what caps {@code maxDatagram} (a later
 *                   search keeps it until it ends); 0 while none was: the first search runs,
 *                   the peer does not answer probes, this node's path crosses a TCP stream, the
 *                   host's own ceiling is lower, or it is not told
 * @since 1.9 (probedDatagram)
 */
public record PeerSnapshot(String id, PeerState state, String ip, String mac, String endpoint, PathSnapshot path,
        List<PathSnapshot> paths, List<Candidate> candidates, Attempts attempts, List<HistoryEntry> history,
        String suite, int maxDatagram, int probedDatagram) {

    /** A peer whose probed datagram is not told. */
    public PeerSnapshot(String id, PeerState state, String ip, String mac, String endpoint, PathSnapshot path,
            List<PathSnapshot> paths, List<Candidate> candidates, Attempts attempts, List<HistoryEntry> history,
            String suite, int maxDatagram) {
        this(id, state, ip, mac, endpoint, path, paths, candidates, attempts, history, suite, maxDatagram, 0);
    }

    /** A peer whose longest datagram is not told. */
    public PeerSnapshot(String id, PeerState state, String ip, String mac, String endpoint, PathSnapshot path,
            List<PathSnapshot> paths, List<Candidate> candidates, Attempts attempts, List<HistoryEntry> history,
            String suite) {
        this(id, state, ip, mac, endpoint, path, paths, candidates, attempts, history, suite, 0);
    }

    /** A peer whose suite is not told. */
    public PeerSnapshot(String id, PeerState state, String ip, String mac, String endpoint, PathSnapshot path,
            List<PathSnapshot> paths, List<Candidate> candidates, Attempts attempts, List<HistoryEntry> history) {
        this(id, state, ip, mac, endpoint, path, paths, candidates, attempts, history, null);
    }

    public PeerSnapshot {
        paths = List.copyOf(paths);
        candidates = List.copyOf(candidates);
        history = List.copyOf(history);
    }

    /**
     * An address to try for the peer.
     *
     * @param endpoint {@code HOST:PORT}, IPv6 hosts in brackets
     * @param mapped   whether it is a NAT's mapping of the peer (or a relay's handle), not one of
     *                 the peer's own interface addresses
     */
    public record Candidate(String endpoint, boolean mapped) {
    }

    /**
     * What was done to reach the peer.
     *
     * @param handshakes           handshakes begun
     * @param punchRounds          rounds of hole-punching packets sent
     * @param predictedRounds      of those, rounds that also tried predicted ports
     * @param predictedProbeRounds probe rounds to predicted ports while on a relay
     */
    public record Attempts(int handshakes, int punchRounds, int predictedRounds, int predictedProbeRounds) {
    }
}
