package io.subutai.p2p.core.internal.mesh;

/**
 * The mesh's clock work, in milliseconds: the control tick, handshake retries, keepalives, when a
 * silent peer counts as disconnected, and when a departed one is forgotten. Simulations shorten
 * them; the product uses {@link #DEFAULT}.
 */
public record Timing(long tick, long handshakeRetry, long keepalive, long dead, long forget) {

    public static final Timing DEFAULT = new Timing(200, 2_000, 5_000, 15_000, 60_000);

    private static final long MS = 1_000_000L;

    long tickNanos() {
        return tick * MS;
    }

    long retryNanos() {
        return handshakeRetry * MS;
    }

    long keepaliveNanos() {
        return keepalive * MS;
    }

    long deadNanos() {
        return dead * MS;
    }

    long forgetNanos() {
        return forget * MS;
    }

    /** The path in use is left when its probes go unanswered this long (3 s by default). */
    long failoverNanos() {
        return Math.min(deadNanos(), 3 * keepaliveNanos() / 5);
    }
}
