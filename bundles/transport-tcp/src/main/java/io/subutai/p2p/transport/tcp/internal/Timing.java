package io.subutai.p2p.transport.tcp.internal;

import java.time.Duration;

/**
 * The times a link keeps (docs/protocol.md §10). Tests shorten them; the daemon uses {@link #DEFAULT}.
 *
 * @param connect    connecting, the proxy, TLS and the WebSocket upgrade together: an attempt not up by then fails
 * @param keepalive  a link that sent nothing for this long sends a keepalive (a WebSocket ping, a zero-length
 *                   frame), so that NATs and proxies keep it open
 * @param silence    a link that received nothing for this long is taken for dead: it is closed and connects again
 * @param firstRetry the wait after the first failure; it doubles with each failure after it
 * @param lastRetry  the longest wait between attempts
 */
record Timing(Duration connect, Duration keepalive, Duration silence, Duration firstRetry, Duration lastRetry) {

    static final Timing DEFAULT = new Timing(Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(90),
            Duration.ofSeconds(1), Duration.ofSeconds(30));

    /** A link that held this long before it broke starts again from {@link #firstRetry}. */
    Duration stable() {
        return lastRetry;
    }
}
