package io.subutai.p2p.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.ToIntFunction;

import io.subutai.p2p.servers.internal.BootstrapServer;
import io.subutai.p2p.servers.internal.RelayServer;
import io.subutai.p2p.servers.internal.ServerKey;
import io.subutai.p2p.servers.internal.StreamOptions;
import io.subutai.p2p.servers.internal.TlsIdentity;
import io.subutai.p2p.wire.syslog.Syslog;

/**
 * {@code p2p dht-server} and {@code p2p proxy-server}: a bootstrap server or a relay in the
 * foreground, without OSGi, until SIGTERM or SIGINT. They need no root; each has a state directory
 * of its own ({@code -state DIR}, by default {@code <state dir>/dht-server} and {@code
 * <state dir>/proxy-server}), so two servers on one host never share a file. The bootstrap server
 * keeps its key there, and either server, with {@code -tcp} and no {@code -tls-cert}, its
 * self-signed TLS certificate; the rest of their state is soft.
 */
final class StandaloneServers {

    static final String DEFAULT_LISTEN = ":6881";
    static final String DEFAULT_PROXY_LISTEN = ":6882";
    static final int DEFAULT_RATE_MBIT = 1000;

    private StandaloneServers() {
    }

    static int run(Parsed p, Path stateDir, PrintStream out, PrintStream err) {
        return withLog(p, out, err, log -> runDht(p, stateDir, log, err));
    }

    /**
     * Runs a server command with the log of its flags: lines to {@code out} and, with {@code -syslog
     * HOST:PORT}, there too (closed when the command ends); a usage error when -syslog is not an address.
     */
    static int withLog(Parsed p, PrintStream out, PrintStream err, ToIntFunction<Log> command) {
        Syslog syslog;
        try {
            syslog = Log.syslog(p);
        } catch (UsageException e) {
            err.println(e.getMessage());
            return Main.EXIT_USAGE;
        }
        try (Syslog closed = syslog) {
            return command.applyAsInt(new Log(out, "", syslog));
        }
    }

    private static int runDht(Parsed p, Path stateDir, Log log, PrintStream err) {
        InetSocketAddress address = listen(p, DEFAULT_LISTEN, err);
        if (address == null) {
            return Main.EXIT_USAGE;
        }
        List<InetSocketAddress> relays = RelayServer.bootstrapServers(p.string("relay"),
                s -> err.println("Invalid -relay '" + s + "': give HOST:PORT of a relay"));
        if (relays == null) {
            return Main.EXIT_USAGE;
        }
        Path dir = state(p, stateDir, "dht-server");
        Streams streams;
        try {
            streams = streams(p, dir);
        } catch (UsageException e) {
            err.println(e.getMessage());
            return Main.EXIT_USAGE;
        }
        return serve(p, log, err, "the bootstrap server", () -> BootstrapServer.start(address, System::nanoTime,
                log::info, ServerKey.load(dir), relays, streams.options()));
    }

    /**
     * What {@code -tcp}, {@code -tls-cert}, {@code -tls-key} and {@code -ws-path} say: no stream
     * port, or one on that address with the operator's certificate (read now, so that a file that
     * is not one is a usage error) or the self-signed one of {@code dir} (made, or read, at start).
     */
    record Streams(InetSocketAddress listen, TlsIdentity given, String path, Path dir, int publicPort) {

        Streams(InetSocketAddress listen, TlsIdentity given, String path, Path dir) {
            this(listen, given, path, dir, 0);
        }

        /** The stream port's options (null: none), the self-signed certificate made or read now. */
        StreamOptions options() throws IOException {
            if (listen == null) {
                return null;
            }
            return StreamOptions.of(listen, given != null ? given : TlsIdentity.selfSigned(dir), path).withPublicPort(publicPort);
        }

        /** These, reached by members at {@code -tcp-public PORT} through a web server in front. */
        Streams withPublicPort(Parsed p) throws UsageException {
            String text = p.string("tcp-public");
            if (text.isEmpty()) {
                return this;
            }
            if (listen == null) {
                throw new UsageException("-tcp-public is the port a web server in front forwards to -tcp: give -tcp ADDR:PORT too");
            }
            try {
                int port = Integer.parseInt(text);
                if (port >= 1 && port <= 65535) {
                    return new Streams(listen, given, path, dir, port);
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new UsageException("Invalid -tcp-public '" + text + "': give the TCP port members reach, 1 to 65535");
        }
    }

    static Streams streams(Parsed p, Path dir) throws UsageException {
        return streams(p, "tcp", dir);
    }

    /** {@link #streams(Parsed, Path)} with the stream port given by flag {@code tcpFlag} ({@code p2p servers}: two). */
    static Streams streams(Parsed p, String tcpFlag, Path dir) throws UsageException {
        String tcp = p.string(tcpFlag);
        String cert = p.string("tls-cert");
        String key = p.string("tls-key");
        String path = p.string("ws-path");
        if (tcp.isEmpty()) {
            if (!cert.isEmpty() || !key.isEmpty() || !path.isEmpty()) {
                throw new UsageException("-tls-cert, -tls-key and -ws-path are for the stream port: give -" + tcpFlag + " ADDR:PORT too");
            }
            return new Streams(null, null, null, dir);
        }
        InetSocketAddress listen = BootstrapServer.listenAddress(tcp);
        if (listen == null) {
            throw new UsageException("Invalid -" + tcpFlag + " '" + tcp + "': give ADDR:PORT, [IPv6]:PORT or :PORT (e.g. :443)");
        }
        path = path.isEmpty() ? StreamOptions.defaultPath() : path;
        if (!StreamOptions.validPath(path)) {
            throw new UsageException("Invalid -ws-path '" + path + "': give a path such as " + StreamOptions.defaultPath());
        }
        if (cert.isEmpty() != key.isEmpty()) {
            throw new UsageException("Give -tls-cert and -tls-key together (or neither: a self-signed certificate is made in "
                    + dir + ")");
        }
        if (cert.isEmpty()) {
            return new Streams(listen, null, path, dir);
        }
        try {
            return new Streams(listen, TlsIdentity.load(Path.of(cert), Path.of(key)), path, dir);
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new UsageException("Invalid -tls-cert/-tls-key: " + e.getMessage());
        }
    }

    /** The server's own state directory: {@code -state DIR}, or {@code <state dir>/NAME}. */
    private static Path state(Parsed p, Path stateDir, String name) {
        String dir = p.string("state");
        return (dir.isEmpty() ? stateDir.resolve(name) : Path.of(dir)).toAbsolutePath().normalize();
    }

    /** Something that listens until it is closed. */
    interface Server {
        AutoCloseable start() throws IOException;
    }

    /** Starts the server, waits for SIGTERM or SIGINT, closes it: 0, or 1 when it cannot listen. */
    static int serve(Parsed p, Log log, PrintStream err, String what, Server server) {
        String metricsProblem = MetricsFlags.problem(p);
        if (metricsProblem != null) {
            err.println(metricsProblem);
            return Main.EXIT_USAGE;
        }
        AutoCloseable running;
        AutoCloseable metrics;
        try {
            running = server.start();
        } catch (IOException e) {
            err.println(Log.line("ERROR", "Cannot start " + what + ": " + e.getMessage()));
            return 1;
        }
        try {
            BothServers.Both both = running instanceof BothServers.Both b ? b : null;
            metrics = ServerMetrics.start(p, Main.readVersion(), both != null ? both.dht()
                    : running instanceof BootstrapServer d ? d : null, both != null ? both.relay()
                    : running instanceof RelayServer r ? r : null, log);
        } catch (IOException e) {
            err.println(Log.line("ERROR", "Cannot serve the metrics of " + what + ": " + e.getMessage()));
            close(running, what, err);
            return 1;
        }
        untilTerminated(log, what);
        if (metrics != null) {
            close(metrics, "the metrics", err);
        }
        close(running, what, err);
        return 0;
    }

    private static void close(AutoCloseable c, String what, PrintStream err) {
        try {
            c.close();
        } catch (Exception e) {
            err.println(Log.line("ERROR", "Closing " + what + ": " + e.getMessage()));
        }
    }

    /** The -listen address, or the default; null (after saying why) when it is not one. */
    private static InetSocketAddress listen(Parsed p, String deflt, PrintStream err) {
        String listen = p.string("listen").isEmpty() ? deflt : p.string("listen");
        InetSocketAddress address = BootstrapServer.listenAddress(listen);
        if (address == null) {
            err.println("Invalid -listen '" + listen + "': give ADDR:PORT, [IPv6]:PORT or :PORT");
        }
        return address;
    }

    /** {@code p2p proxy-server}: a relay in the foreground, without OSGi, until SIGTERM or SIGINT. */
    static int runProxy(Parsed p, Path stateDir, PrintStream out, PrintStream err) {
        return withLog(p, out, err, log -> runProxy(p, stateDir, log, err));
    }

    private static int runProxy(Parsed p, Path stateDir, Log log, PrintStream err) {
        // -state DIR (default <state dir>/proxy-server) is its own directory: its self-signed TLS certificate, if any
        InetSocketAddress address = listen(p, DEFAULT_PROXY_LISTEN, err);
        if (address == null) {
            return Main.EXIT_USAGE;
        }
        int mbit = p.integer("rate", DEFAULT_RATE_MBIT);
        if (mbit < 1) {
            err.println("Invalid -rate " + mbit + ": give Mbit/s per member, at least 1");
            return Main.EXIT_USAGE;
        }
        int total = p.integer("max-total-mbit", 0);
        if (total < 0) {
            err.println("Invalid -max-total-mbit " + total + ": give Mbit/s in all, or 0 for no cap");
            return Main.EXIT_USAGE;
        }
        List<InetSocketAddress> dht = RelayServer.bootstrapServers(p.string("dht"),
                s -> err.println("Invalid -dht '" + s + "': give HOST:PORT"));
        if (dht == null) {
            return Main.EXIT_USAGE;
        }
        Streams streams;
        try {
            streams = streams(p, state(p, stateDir, "proxy-server")).withPublicPort(p);
        } catch (UsageException e) {
            err.println(e.getMessage());
            return Main.EXIT_USAGE;
        }
        return serve(p, log, err, "the relay server", () -> RelayServer.start(address, mbit * 125_000L, total * 125_000L,
                System::nanoTime, log::info, dht, streams.options()));
    }

    private static void untilTerminated(Log log, String what) {
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(signal -> {
            log.info("Stopping " + what + " (" + signal + ")");
            stop.countDown();
        });
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
