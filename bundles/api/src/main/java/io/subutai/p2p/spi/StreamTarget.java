package io.subutai.p2p.spi;

/**
 * A server to reach over a stream (docs/protocol.md §10).
 *
 * @param url         {@code wss://HOST[:PORT][/PATH]} (WebSocket on TLS, port 443 and path
 *                    {@code /p2p} by default; plain TCP on the same port is the fallback), {@code
 *                    ws://HOST[:PORT][/PATH]} (WebSocket without TLS, port 80), {@code
 *                    tls://HOST:PORT} or {@code tcp://HOST:PORT} (framed datagrams, with or
 *                    without TLS)
 * @param certificate the SHA-256 of the server's TLS certificate as it was announced or pinned (32
 *                    bytes); null when unknown (the first one seen is kept). Another one means a
 *                    middlebox terminates TLS: the link says so, and goes on (what it carries is
 *                    authenticated end to end)
 * @param proxy       {@code http://[USER:PASS@]HOST:PORT} (HTTP CONNECT) or {@code
 *                    socks5://[USER:PASS@]HOST:PORT}; null or empty: the daemon's {@code
 *                    HTTPS_PROXY} (or {@code https_proxy}), or none
 * @param name        names the link in logs and in {@code debug} (the network's, say)
 */
public record StreamTarget(String url, byte[] certificate, String proxy, String name) {

    public StreamTarget {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no URL");
        }
        certificate = certificate == null ? null : certificate.clone();
        proxy = proxy == null ? "" : proxy;
        name = name == null ? "" : name;
    }

    @Override
    public byte[] certificate() {
        return certificate == null ? null : certificate.clone();
    }
}
