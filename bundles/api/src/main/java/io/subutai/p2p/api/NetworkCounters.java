package io.subutai.p2p.api;

import java.util.List;
import java.util.Map;

/**
 * What one running network has counted since it started, for metrics: totals that only grow
 * (while the network runs), and the number of peers in each state now. Names no hash.
 *
 * @param networkId           the network's id (a keyed digest of its hash, as the log names it)
 * @param interfaceName       its TAP interface
 * @param traffic             datagrams and bytes (on the wire) in and out, by the kind of path they took
 * @param peers               the network's peers in each state now (states without peers left out)
 * @param handshakes          handshakes by outcome: {@code initiated} (initiations sent), {@code
 *                            completed} (sessions confirmed), {@code failed} (given up, or refused by
 *                            the peer), {@code rate_limited} (initiations dropped unread under load)
 * @param drops               datagrams and frames dropped, by reason: {@code replay}, {@code forged}
 *                            (did not authenticate), {@code malformed}, {@code no_session} (for a
 *                            session this node does not hold), {@code policy} (a member speaking as
 *                            another, beyond its share, or not through a relay with {@code -fwd}),
 *                            {@code too_big} (with {@code -pmtu}: too big for the path, answered with ICMP)
 * @param pathChanges         times a peer's traffic moved to another path
 * @param tapErrors           frames lost at the TAP interface (a read or write that failed)
 */
public record NetworkCounters(String networkId, String interfaceName, Map<PathKind, Traffic> traffic,
        Map<PeerState, Integer> peers, Map<String, Long> handshakes, Map<String, Long> drops, long pathChanges,
        long tapErrors) {

    /** Reasons of {@link #drops}, in the order metrics list them. */
    public static final List<String> DROP_REASONS = List.of("replay", "forged", "malformed", "no_session", "policy",
            "too_big");
    /** Outcomes of {@link #handshakes}, in the order metrics list them. */
    public static final List<String> HANDSHAKE_OUTCOMES = List.of("initiated", "completed", "failed", "rate_limited");

    public NetworkCounters {
        traffic = Map.copyOf(traffic);
        peers = Map.copyOf(peers);
        handshakes = Map.copyOf(handshakes);
        drops = Map.copyOf(drops);
    }

    /**
     * Traffic on paths of one kind.
     *
     * @param rxPackets datagrams received and authenticated
     * @param rxBytes   their bytes, UDP payload
     * @param txPackets datagrams sent
     * @param txBytes   their bytes, UDP payload
     */
    public record Traffic(long rxPackets, long rxBytes, long txPackets, long txBytes) {
    }
}
