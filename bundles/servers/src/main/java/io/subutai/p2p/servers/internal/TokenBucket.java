package io.subutai.p2p.servers.internal;

/**
 * A rate in bytes per second, as a token bucket that holds at most one second of it and starts
 * full: what goes over it is dropped, never queued. Time is what the caller says (nanoseconds of
 * the server's clock). Not thread-safe: the server's thread owns it.
 */
final class TokenBucket {

    private final long bytesPerSecond;
    private double tokens;
    private long refilled;

    TokenBucket(long bytesPerSecond, long now) {
        this.bytesPerSecond = bytesPerSecond;
        this.tokens = bytesPerSecond;
        this.refilled = now;
    }

    /** Whether {@code n} bytes fit the rate at {@code now}; takes nothing (see {@link #take}). */
    boolean allows(int n, long now) {
        tokens = Math.min(bytesPerSecond, tokens + Math.max(0, now - refilled) / 1e9 * bytesPerSecond);
        refilled = Math.max(refilled, now);
        return tokens >= n;
    }

    /** Takes {@code n} bytes, which {@link #allows} said fit. */
    void take(int n) {
        tokens -= n;
    }
}
