package io.subutai.p2p.core.internal.mesh;

import io.subutai.p2p.api.PathKind;

/**
 * How paths to a peer rank (Tailscale's {@code betterAddr}): pure functions over a path's
 * {@link PathKind} and measured round-trip time, with the hysteresis that keeps traffic from
 * flapping between two paths of about the same speed. Any path that goes straight to the peer
 * (LAN, DIRECT, PUNCHED alike) ranks before a relayed one, and a relayed one over UDP before one
 * that crosses a TCP stream ({@link PathKind#rank}); among paths of one rank, the lower
 * round-trip time.
 */
final class PathRanking {

    /** A path replaces a live one of the same rank only when faster by 20%, and by this much at least. */
    static final long MIN_GAIN_NANOS = 1_000_000L;

    private PathRanking() {
    }

    /** Whether a live path ({@code kind}, {@code rtt} ns) ranks before another ({@code thanKind}, {@code thanRtt} ns). */
    static boolean better(PathKind kind, long rtt, PathKind thanKind, long thanRtt) {
        return kind.rank() != thanKind.rank() ? kind.rank() < thanKind.rank() : rtt < thanRtt;
    }

    /**
     * Whether traffic moves from the path in use to the best live one: when there is none in use
     * ({@code currentKind} null) or it went silent, to leave a relay for a direct path (or a
     * stream for UDP), or for a path of the same rank at least 20% and {@link #MIN_GAIN_NANOS}
     * faster; never from a live path to one of a worse rank.
     *
     * @param currentRtt  the round-trip time of the path in use, -1 while it is not measured (a new
     *                    address the peer came from, kept while it is being measured)
     * @param currentLive whether the path in use still answers (and may be used)
     */
    static boolean switches(PathKind bestKind, long bestRtt, PathKind currentKind, long currentRtt, boolean currentLive) {
        if (currentKind == null || !currentLive) {
            return true;
        }
        if (bestKind.rank() != currentKind.rank()) {
            return bestKind.rank() < currentKind.rank();
        }
        return currentRtt >= 0 && bestRtt + Math.max(currentRtt / 5, MIN_GAIN_NANOS) < currentRtt;
    }
}
