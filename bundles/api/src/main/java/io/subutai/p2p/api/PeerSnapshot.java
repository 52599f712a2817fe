package io.subutai.p2p.api;

import java.util.List;

/**
 * A peer of a network, as this node sees it.
 *
 * @param id         the peer's ID
 * @param state      its state
 * @param ip         its overlay address, null until it told
 * @param mac        its TAP's MAC, null until it told
 * @param endpoint   where datagrams to it go now, null when nowhere yet
 * @param path       the path in use while it is connected, else null
 * @param paths      every address it was reached at or heard from, with what probing found
 * @param candidates the addresses discovery gave for it
 * @param attempts   what was tried to reach it
 * @param history    its latest events, oldest first
 */
public record PeerSnapshot(String id, PeerState state, String ip, String mac, String endpoint, PathSnapshot path,
        List<PathSnapshot> paths, List<Candidate> candidates, Attempts attempts, List<HistoryEntry> history) {

    public PeerSnapshot {
        paths = List.copyOf(paths);
        candidates = List.copyOf(candidates);
        history = List.copyOf(history);
    }

    /**
     * An address discovery gave for the peer.
     *
     * @param mapped whether it is a NAT's mapping of the peer rather than one of its own interfaces' addresses
     */
    public record Candidate(String endpoint, boolean mapped) {
    }

    /**
     * What was tried to reach the peer.
     *
     * @param handshakes           handshakes this node began
     * @param punchRounds          rounds of punch packets sent while waiting for its handshake
     * @param predictedRounds      of those rounds and handshakes, how many also went to predicted ports
     * @param predictedProbeRounds probe rounds to its predicted ports while it was reached through a relay
     */
    public record Attempts(int handshakes, int punchRounds, int predictedRounds, int predictedProbeRounds) {
    }
}
