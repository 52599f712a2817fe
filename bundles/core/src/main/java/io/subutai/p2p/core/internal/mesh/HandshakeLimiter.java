package io.subutai.p2p.core.internal.mesh;

import java.util.HashMap;
import java.util.Map;

/**
 * Rate limits for handshake messages, which cost Diffie-Hellman work before the sender is known
 * to hold the network key (docs/protocol.md §4.6). Only initiations with a valid mac1 get here.
 * <ul>
 * <li>An initiation whose mac2 proves its source address (a cookie) is <em>proven</em>: a token
 * bucket per source (see {@link #sourceOf}) and one for all proven sources together hold it.
 * <li>One that does not is <em>unproven</em>: a bucket per source, and a small budget that all
 * unproven sources share. When that budget runs dry the node is <em>under load</em> for {@link
 * #LOAD_NANOS}: every unproven initiation is then answered with a COOKIE_REPLY instead of being
 * read, so garbage from spoofed sources can never crowd out a source that proves its address.
 * </ul>
 * A source that stays within its rate is never refused. At most {@link #SOURCES} sources of each
 * kind are remembered; when a new one finds the table full, that table starts over (the shared
 * buckets still hold). Responses get a bucket of their own. Used by the socket's receive thread only.
 */
final class HandshakeLimiter {

    static final int SOURCES = 4096;
    /** How long the node stays under load after the unproven budget last ran dry. */
    static final long LOAD_NANOS = 1_000_000_000L;

    /** What to do with an initiation. */
    enum Verdict {
        /** Read it (the Diffie-Hellman work). */
        READ,
        /** Answer with a COOKIE_REPLY: under load, the source must prove its address. */
        COOKIE,
        /** Drop it unread (its source sent too many). */
        DROP
    }

    private final double perSourceRate;
    private final double perSourceBurst;
    private final Map<Object, double[]> proven = new HashMap<>();
    private final Map<Object, double[]> unproven = new HashMap<>();
    private final double[] provenAll;
    private final double provenRate;
    private final double[] unprovenAll;
    private final double unprovenRate;
    private final double[] responses;
    private final double responseRate;
    private long loadUntil;
    private boolean loaded;

    /**
     * @param perSourceRate initiations per second one source may send, on average (its burst: twice that)
     * @param provenRate    initiations per second from all proven sources (burst: twice that)
     * @param unprovenRate  initiations per second from all unproven sources before the node goes under load (burst: twice that)
     */
    HandshakeLimiter(double perSourceRate, double provenRate, double unprovenRate, long nowNanos) {
        this.perSourceRate = perSourceRate;
        this.perSourceBurst = 2 * perSourceRate;
        this.provenRate = provenRate;
        this.provenAll = new double[] {2 * provenRate, nowNanos};
        this.unprovenRate = unprovenRate;
        this.unprovenAll = new double[] {2 * unprovenRate, nowNanos};
        this.responseRate = provenRate;
        this.responses = new double[] {2 * provenRate, nowNanos};
    }

    /** The defaults: 10 per second per source, 500 per second from proven sources, 50 from unproven ones. */
    static HandshakeLimiter standard(long nowNanos) {
        return new HandshakeLimiter(10, 500, 50, nowNanos);
    }

    /**
     * The key a source is limited by: the relay's address and the handle for a relayed source
     * (peers behind one relay do not share a bucket); the IPv4 address (the port is the sender's
     * to choose); the /64 of an IPv6 address (one host holds a whole /64).
     */
    static Object sourceOf(java.net.InetSocketAddress from, boolean relayed) {
        if (relayed) {
            return from;
        }
        byte[] a = from.getAddress().getAddress();
        return a.length == 16 ? java.nio.ByteBuffer.wrap(a).getLong() : from.getAddress();
    }

    /** Whether the node is under load: unproven initiations get a COOKIE_REPLY. */
    boolean underLoad(long nowNanos) {
        return loaded && nowNanos - loadUntil < 0;
    }

    /** What to do with an initiation from {@code source}, {@code proven} by its mac2 or not; takes its tokens if it is read. */
    Verdict initiation(Object source, boolean proven, long nowNanos) {
        if (proven) {
            return take(this.proven, source, provenAll, provenRate, nowNanos) ? Verdict.READ : Verdict.DROP;
        }
        if (underLoad(nowNanos)) {
            return Verdict.COOKIE;
        }
        refill(unprovenAll, unprovenRate, 2 * unprovenRate, nowNanos);
        if (unprovenAll[0] < 1) {
            loaded = true;
            loadUntil = nowNanos + LOAD_NANOS;
            return Verdict.COOKIE;
        }
        return take(unproven, source, unprovenAll, unprovenRate, nowNanos) ? Verdict.READ : Verdict.DROP;
    }

    /** Whether a handshake response (for a handshake this node began, its mac1 valid) may be read now. */
    boolean response(long nowNanos) {
        refill(responses, responseRate, 2 * responseRate, nowNanos);
        if (responses[0] < 1) {
            return false;
        }
        responses[0]--;
        return true;
    }

    private boolean take(Map<Object, double[]> buckets, Object source, double[] all, double allRate, long nowNanos) {
        double[] b = buckets.get(source);
        if (b == null) {
            if (buckets.size() >= SOURCES) {
                buckets.clear();
            }
            b = new double[] {perSourceBurst, nowNanos};
            buckets.put(source, b);
        }
        refill(b, perSourceRate, perSourceBurst, nowNanos);
        refill(all, allRate, 2 * allRate, nowNanos);
        if (b[0] < 1 || all[0] < 1) {
            return false;
        }
        b[0]--;
        all[0]--;
        return true;
    }

    private static void refill(double[] bucket, double rate, double burst, long nowNanos) {
        double elapsed = Math.max(0, nowNanos - (long) bucket[1]) / 1e9;
        bucket[0] = Math.min(burst, bucket[0] + elapsed * rate);
        bucket[1] = nowNanos;
    }
}
