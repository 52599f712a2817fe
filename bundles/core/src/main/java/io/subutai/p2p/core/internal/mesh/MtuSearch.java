package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;

/**
 * Packetization-layer path MTU discovery (RFC 8899's DPLPMTUD) for a peer's path in use: padded,
 * sealed probes of chosen sizes go out with the don't-fragment bit, and the sizes the peer answers
 * tell what crosses every link of the path whole, beyond the first router too and where routers
 * send no ICMP. Each round sends up to {@link #PER_ROUND} sizes spread over what is still unknown,
 * so the search narrows about sixfold a round: one round when the path carries the most the host
 * knows (the first round always tries that), five or six to the exact size otherwise. A size
 * counts as too big only when it went unanswered twice (RFC 8899's MAX_PROBES, here 2): one lost
 * probe costs a round, not a smaller result. The result
 * caps the peer's datagrams; a search runs again after {@link #AGAIN_NANOS} (RFC 8899's
 * PMTU_RAISE_TIMER) and whenever the path or the host's own ceiling for it changes. A peer that
 * answers no probe (one from before docs/protocol.md §5.4, or probes lost) leaves the ceiling as it was.
 * Everything here runs under the peer's lock.
 */
final class MtuSearch {

    /** Sizes per round. */
    static final int PER_ROUND = 5;
    /** The next search after one that found the size. */
    static final long AGAIN_NANOS = 600_000_000_000L;
    /** The next search after one that nothing answered. */
    static final long RETRY_NANOS = 60_000_000_000L;
    /** How long a round's probes are waited for: four round trips, within these bounds. */
    static final long MIN_WAIT_NANOS = 150_000_000L;
    static final long MAX_WAIT_NANOS = 2_000_000_000L;

    /** Sends probe {@code id} of {@code size} bytes on the wire by {@code to}; false when it cannot be sent unfragmented. */
    interface Prober {
        boolean probe(InetSocketAddress to, int id, int size);
    }

    private InetSocketAddress path;
    private int ceiling;
    /** Largest size answered in this search; the floor before any was. */
    private int lo;
    /** Smallest size unanswered twice in this search and above {@link #lo}; ceiling + 1 before any was. */
    private int hi;
    /** The smallest size above {@link #lo} unanswered once, probed again in the next round; 0: none. */
    private int suspect;
    private boolean searching;
    /** What the last finished search on this path found; 0: nothing yet. Read by snapshots without the lock. */
    private volatile int found;
    private long nextSearch;
    private long roundSent;
    private final int[] ids = new int[PER_ROUND];
    private final int[] sizes = new int[PER_ROUND];
    private final boolean[] answered = new boolean[PER_ROUND];
    private int count;
    private int rounds;

    /**
     * One tick: a search starts when due (or when {@code to} or its {@code ceiling} changed), a
     * round whose answers are all in or whose wait is over narrows it, and the next round goes
     * out. {@code floor} is the least size tried; {@code rttNanos} the path's round trip (-1: not
     * measured).
     */
    void tick(InetSocketAddress to, int ceiling, int floor, long rttNanos, long now, RandomGenerator random,
            Prober prober) {
        if (!to.equals(path) || ceiling != this.ceiling) {
            if (!to.equals(path)) {
                found = 0; // what another path carried says nothing of this one
            }
            path = to;
            this.ceiling = ceiling;
            start(floor);
        } else if (!searching && (nextSearch == 0 || now - nextSearch >= 0)) {
            start(floor);
        }
        if (!searching) {
            return;
        }
        if (roundSent != 0) {
            long wait = Math.max(MIN_WAIT_NANOS, Math.min(MAX_WAIT_NANOS, rttNanos < 0 ? MAX_WAIT_NANOS : 4 * rttNanos));
            if (!allAnswered() && now - roundSent < wait) {
                return;
            }
            closeRound(floor, now);
            if (!searching) {
                return;
            }
        }
        sendRound(prober, random, floor, now);
    }

    private void start(int floor) {
        searching = true;
        lo = floor - 1;
        hi = ceiling + 1;
        suspect = 0;
        roundSent = 0;
        count = 0;
        rounds = 0;
    }

    private boolean allAnswered() {
        for (int i = 0; i < count; i++) {
            if (!answered[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The round's answers narrow the search: the largest size answered bounds it from below; the
     * smallest unanswered above that is suspect, and bounds it from above once it went unanswered
     * again in the next round.
     */
    private void closeRound(int floor, long now) {
        boolean suspectMissed = false;
        for (int i = 0; i < count; i++) {
            if (answered[i]) {
                lo = Math.max(lo, sizes[i]);
            } else if (sizes[i] == suspect) {
                suspectMissed = true;
            }
        }
        if (suspect != 0 && suspect <= lo) {
            suspect = 0; // it was lost, or a larger one came through: not too big
        } else if (suspectMissed) {
            hi = Math.min(hi, suspect);
            suspect = 0;
        }
        for (int i = 0; i < count; i++) {
            if (!answered[i] && sizes[i] > lo && sizes[i] < hi && (suspect == 0 || sizes[i] < suspect)) {
                suspect = sizes[i];
            }
        }
        roundSent = 0;
        count = 0;
        rounds++;
        if (lo < floor && rounds >= 2) {
            // nothing came back twice, not even the smallest: the peer does not answer probes, or all were lost
            searching = false;
            nextSearch = now + RETRY_NANOS;
        } else if (hi - lo <= 1) {
            searching = false;
            found = lo;
            nextSearch = now + AGAIN_NANOS;
        }
    }

    /** The peer is not connected (or the path not measured) now: a round out is void, and a search starts afresh when it is again. */
    void abort() {
        if (searching) {
            searching = false;
            roundSent = 0;
            count = 0;
            nextSearch = 0;
        }
    }

    /**
     * The first round tries the ceiling and four sizes below it down to the floor; the others send
     * the suspect size again and split what is unknown below it.
     */
    private void sendRound(Prober prober, RandomGenerator random, int floor, long now) {
        int top = suspect != 0 ? suspect : hi;
        int n = Math.min(PER_ROUND - (suspect != 0 ? 1 : 0), top - lo - 1);
        count = 0;
        if (suspect != 0 && !probe(prober, random, suspect, now)) {
            return;
        }
        for (int i = 0; i < n; i++) {
            int size = rounds == 0 ? ceiling - (ceiling - floor) * i / Math.max(1, n - 1)
                    : lo + (int) ((long) (top - lo) * (i + 1) / (n + 1));
            if (count > 0 && sizes[count - 1] == size || size <= lo || size >= top && rounds > 0) {
                continue;
            }
            if (!probe(prober, random, size, now)) {
                return;
            }
        }
        roundSent = now;
    }

    /** Sends one probe of the round; false when the path cannot be probed (the search then ends, the ceiling standing). */
    private boolean probe(Prober prober, RandomGenerator random, int size, long now) {
        int id = random.nextInt();
        if (!prober.probe(path, id, size)) {
            searching = false; // a stream's path, a port without the option
            nextSearch = now + AGAIN_NANOS;
            count = 0;
            return false;
        }
        ids[count] = id;
        sizes[count] = size;
        answered[count] = false;
        count++;
        return true;
    }

    /** The peer answered probe {@code id}, having received {@code size} bytes; false when it is none of this round's. */
    boolean answered(int id, int size) {
        for (int i = 0; i < count; i++) {
            if (ids[i] == id && sizes[i] == size) {
                answered[i] = true;
                return true;
            }
        }
        return false;
    }

    /** The longest datagram for path {@code to} under {@code ceiling}: what the last search of it found, never above the ceiling. */
    int limit(InetSocketAddress to, int ceiling) {
        return found > 0 && to.equals(path) ? Math.min(found, ceiling) : ceiling;
    }

    /** What the last finished search found; 0: none yet (or it found nothing). Any thread. */
    int found() {
        return found;
    }

    /** Whether a search runs. */
    boolean searching() {
        return searching;
    }
}
