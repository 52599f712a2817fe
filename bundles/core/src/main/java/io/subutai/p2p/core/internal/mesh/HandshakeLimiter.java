package io.subutai.p2p.core.internal.mesh;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Rate limits for handshake initiations, which cost the responder Diffie-Hellman work before it
 * knows whether the sender holds the network key: a token bucket per source address (the port
 * is the sender's to choose, so it does not count) and one for all sources together. A source
 * that stays within its rate is never refused; a flood from one address cannot crowd out the
 * others, and a flood from many addresses is held to the global rate. At most {@link #SOURCES}
 * addresses are remembered; when a new one finds the table full, the table starts over (the
 * global bucket still holds).
 *
 * <p>Used by the socket's receive thread only.
 */
final class HandshakeLimiter {

    static final int SOURCES = 4096;

    private final double perSourceRate;
    private final double perSourceBurst;
    private final double globalRate;
    private final double globalBurst;
    private final Map<InetAddress, double[]> buckets = new HashMap<>();
    private final double[] global;

    /**
     * @param perSourceRate initiations per second one address may send, on average
     * @param perSourceBurst how many it may send at once
     * @param globalRate initiations per second from all addresses
     * @param globalBurst how many at once from all
     */
    HandshakeLimiter(double perSourceRate, double perSourceBurst, double globalRate, double globalBurst, long nowNanos) {
        this.perSourceRate = perSourceRate;
        this.perSourceBurst = perSourceBurst;
        this.globalRate = globalRate;
        this.globalBurst = globalBurst;
        this.global = new double[] {globalBurst, nowNanos};
    }

    /** The defaults: 10 per second and 20 at once per address, 500 per second and 1000 at once in all. */
    static HandshakeLimiter standard(long nowNanos) {
        return new HandshakeLimiter(10, 20, 500, 1000, nowNanos);
    }

    /** Whether an initiation from {@code source} may be processed now; takes a token if so. */
    boolean allow(InetAddress source, long nowNanos) {
        double[] b = buckets.get(source);
        if (b == null) {
            if (buckets.size() >= SOURCES) {
                buckets.clear();
            }
            b = new double[] {perSourceBurst, nowNanos};
            buckets.put(source, b);
        }
        refill(b, perSourceRate, perSourceBurst, nowNanos);
        refill(global, globalRate, globalBurst, nowNanos);
        if (b[0] < 1 || global[0] < 1) {
            return false;
        }
        b[0]--;
        global[0]--;
        return true;
    }

    private static void refill(double[] bucket, double rate, double burst, long nowNanos) {
        double elapsed = Math.max(0, nowNanos - (long) bucket[1]) / 1e9;
        bucket[0] = Math.min(burst, bucket[0] + elapsed * rate);
        bucket[1] = nowNanos;
    }
}
