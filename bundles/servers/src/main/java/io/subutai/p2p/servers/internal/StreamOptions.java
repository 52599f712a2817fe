package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * How a server takes streams on TCP (docs/protocol.md §10): where ({@code -tcp ADDR:PORT}), with
 * which TLS certificate, the WebSocket path, and the limits that keep a flood of connections from
 * costing more than a bounded amount. Immutable.
 *
 * @param listen      the TCP address and port
 * @param tls         the certificate and key of TLS on that port
 * @param path        the WebSocket path (any other HTTP request gets 404)
 * @param handshake   how long a connection has to say what it speaks, finish TLS and the WebSocket upgrade
 * @param idle        a stream that sends nothing (not even a keepalive) for this long is closed
 * @param maxStreams  connections at most
 * @param perPrefix   connections at most from one source prefix (an IPv4 /24, an IPv6 /48)
 * @param threads     the listener's threads
 * @param publicPort  the TCP port members reach the streams at, when a web server in front forwards
 *                    {@code wss://HOST:PORT/p2p} to {@code listen} ({@code proxy-server -tcp-public}): a relay
 *                    announces that port, and no certificate (members see the web server's); 0: {@code
 *                    listen}'s port, and the certificate of {@code tls}
 */
public record StreamOptions(InetSocketAddress listen, TlsIdentity tls, String path, Duration handshake, Duration idle,
        int maxStreams, int perPrefix, int threads, int publicPort) {

    public static final Duration HANDSHAKE = Duration.ofSeconds(10);
    public static final Duration IDLE = Duration.ofSeconds(90);
    public static final int MAX_STREAMS = 4096;
    public static final int PER_PREFIX = 256;
    /** Datagrams queued on a stream beyond this many bytes are dropped (a Netty write buffer's high water mark). */
    public static final int HIGH_WATER = 256 * 1024;
    public static final int LOW_WATER = 128 * 1024;

    public StreamOptions {
        if (!validPath(path)) {
            throw new IllegalArgumentException("WebSocket path " + path);
        }
        if (publicPort < 0 || publicPort > 65535) {
            throw new IllegalArgumentException("public port " + publicPort);
        }
        if (maxStreams < 1 || perPrefix < 1 || threads < 1 || handshake.isNegative() || handshake.isZero()
                || idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("limits");
        }
    }

    /** Streams on {@code listen} with {@code tls}, WebSocket on {@code path}, and the default limits. */
    public static StreamOptions of(InetSocketAddress listen, TlsIdentity tls, String path) {
        return new StreamOptions(listen, tls, path, HANDSHAKE, IDLE, MAX_STREAMS, PER_PREFIX, 2, 0);
    }

    /**
     * The stream port of a server component's configuration: none when {@code tcp} is blank;
     * {@code tlsCert} and {@code tlsKey} (both or neither; neither: the self-signed certificate in
     * {@code stateDir}). An exception that says which property is wrong.
     */
    static StreamOptions configured(String tcp, String tlsCert, String tlsKey, String wsPath, Path stateDir)
            throws IOException {
        if (tcp == null || tcp.isBlank()) {
            if (!tlsCert.isBlank() || !tlsKey.isBlank()) {
                throw new IOException("tlsCert and tlsKey are for the stream port: give tcp=ADDR:PORT too");
            }
            return null;
        }
        InetSocketAddress listen = DatagramServer.listenAddress(tcp.strip());
        if (listen == null) {
            throw new IOException("tcp=" + tcp + " is not ADDR:PORT, [IPv6]:PORT or :PORT");
        }
        if (!validPath(wsPath)) {
            throw new IOException("wsPath=" + wsPath + " is not a path such as " + StreamFraming.PATH);
        }
        if (tlsCert.isBlank() != tlsKey.isBlank()) {
            throw new IOException("tlsCert and tlsKey go together: give both, or neither for a self-signed certificate");
        }
        TlsIdentity tls = tlsCert.isBlank() ? TlsIdentity.selfSigned(stateDir)
                : TlsIdentity.load(Path.of(tlsCert.strip()), Path.of(tlsKey.strip()));
        return of(listen, tls, wsPath);
    }

    /** The same with these time limits (tests). */
    public StreamOptions withTimes(Duration handshake, Duration idle) {
        return new StreamOptions(listen, tls, path, handshake, idle, maxStreams, perPrefix, threads, publicPort);
    }

    /** The same on another port of the same address (tests: 0, any free one). */
    public StreamOptions withListen(int port) {
        return new StreamOptions(new InetSocketAddress(listen.getAddress(), port), tls, path, handshake, idle, maxStreams,
                perPrefix, threads, publicPort);
    }

    /** The same, reached by members at {@code port} through a web server in front (0: at {@code listen}'s port). */
    public StreamOptions withPublicPort(int port) {
        return new StreamOptions(listen, tls, path, handshake, idle, maxStreams, perPrefix, threads, port);
    }

    /** Whether {@code path} can be a WebSocket path: {@code /} and visible ASCII, no query or fragment. */
    public static boolean validPath(String path) {
        if (path == null || !path.startsWith("/") || path.length() > 256) {
            return false;
        }
        for (char c : path.toCharArray()) {
            if (c <= ' ' || c >= 127 || c == '?' || c == '#') {
                return false;
            }
        }
        return true;
    }

    /** The default WebSocket path. */
    public static String defaultPath() {
        return StreamFraming.PATH;
    }
}
