package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;

/**
 * Packetization-layer path MTU discovery (RFC 8899's DPLPMTUD) for a peer's path in use: padded,
 * sealed probes of chosen sizes go out with the don't-fragment bit, and the sizes the peer answers
 * tell what crosses every link of the path whole, beyond the first router too and where routers
 * send no ICMP. Each round sends up to {@link #PER_ROUND} sizes spread over what is still unknown,
 * so the search narrows about sixfold a round: one round when the path carries the most the host
 * knows (the first round always tries that), about four to the exact size otherwise. The result
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
    /** Smallest size unanswered in this search and above {@link #lo}; ceiling + 1 before any was. */
    private int hi;
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
        } else if (!searching && now - nextSearch >= 0) {
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

    /** The round's answers narrow the search: unanswered sizes above the largest answered one bound it from above. */
    private void closeRound(int floor, long now) {
        for (int i = 0; i < count; i++) {
            if (answered[i]) {
                lo = Math.max(lo, sizes[i]);
            }
        }
        for (int i = 0; i < count; i++) {
            if (!answered[i] && sizes[i] > lo) {
                hi = Math.min(hi, sizes[i]);
            }
        }
        roundSent = 0;
        count = 0;
        rounds++;
        if (lo < floor) {
            // nothing came back, not even the smallest: the peer does not answer probes, or they were lost
            searching = false;
            nextSearch = now + RETRY_NANOS;
        } else if (hi - lo <= 1) {
            searching = false;
            found = lo;
            nextSearch = now + AGAIN_NANOS;
        }
    }

    /** The first round tries the ceiling and four sizes below it down to the floor; the others split what is unknown. */
    private void sendRound(Prober prober, RandomGenerator random, int floor, long now) {
        int n = Math.min(PER_ROUND, hi - lo - 1);
        count = 0;
        for (int i = 0; i < n; i++) {
            int size = rounds == 0 ? ceiling - (ceiling - floor) * i / (n - 1 == 0 ? 1 : n - 1)
                    : lo + (int) ((long) (hi - lo) * (i + 1) / (n + 1));
            if (count > 0 && sizes[count - 1] == size) {
                continue;
            }
            int id = random.nextInt();
            if (!prober.probe(path, id, size)) {
                searching = false; // this path cannot be probed (a stream's, a port without the option): the ceiling stands
                nextSearch = now + AGAIN_NANOS;
                count = 0;
                return;
            }
            ids[count] = id;
            sizes[count] = size;
            answered[count] = false;
            count++;
        }
        roundSent = now;
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

    /** The longest datagram for the path under {@code ceiling}: what the last search found, never above the ceiling. */
    int limit(int ceiling) {
        return found > 0 ? Math.min(found, ceiling) : ceiling;
    }

    /** What the last finished search found; 0: none yet (or it found nothing). */
    int found() {
        return found;
    }

    /** Whether a search runs. */
    boolean searching() {
        return searching;
    }
}
