package io.subutai.p2p.launcher;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.subutai.p2p.servers.internal.BootstrapServer;
import io.subutai.p2p.servers.internal.RelayServer;
import io.subutai.p2p.servers.internal.ServerKey;

/**
 * {@code p2p servers}: a bootstrap server and a relay in one process (one JVM instead of two), the
 * bootstrap server offering that relay. Their flags are those of {@code dht-server} and {@code
 * proxy-server}, the listening ones named for the server they belong to ({@code -dht-listen},
 * {@code -proxy-listen}, {@code -dht-tcp}, {@code -proxy-tcp}); {@code -state DIR} holds the
 * two servers' own directories ({@code DIR/dht-server}, {@code DIR/proxy-server}).
 */
final class BothServers {

    private BothServers() {
    }

    static int run(Parsed p, Path stateDir, PrintStream out, PrintStream err) {
        return StandaloneServers.withLog(p, out, err, log -> {
            StandaloneServers.Server both = prepare(p, stateDir, log, err);
            return both == null ? Main.EXIT_USAGE : StandaloneServers.serve(p, log, err, "the bootstrap server and the relay", both);
        });
    }

    /** The two, running: closed together, the relay first. */
    record Both(BootstrapServer dht, RelayServer relay) implements AutoCloseable {
        @Override
        public void close() {
            relay.close();
            dht.close();
        }
    }

    /** The two servers as the flags say, to start; null (after saying why on {@code err}) when the flags are wrong. */
    static StandaloneServers.Server prepare(Parsed p, Path stateDir, Log log, PrintStream err) {
        InetSocketAddress dhtListen = address(p, "dht-listen", StandaloneServers.DEFAULT_LISTEN, err);
        InetSocketAddress proxyListen = address(p, "proxy-listen", StandaloneServers.DEFAULT_PROXY_LISTEN, err);
        if (dhtListen == null || proxyListen == null) {
            return null;
        }
        InetSocketAddress own = ownBootstrap(dhtListen, proxyListen);
        if (own == null) {
            err.println("Give -proxy-listen ADDR:PORT (or -dht-listen ADDR:PORT) with the address members reach: the"
                    + " bootstrap server offers its relay at the address the relay announces itself from");
            return null;
        }
        int mbit = p.integer("rate", StandaloneServers.DEFAULT_RATE_MBIT);
        int total = p.integer("max-total-mbit", 0);
        if (mbit < 1 || total < 0) {
            err.println("Invalid -rate " + mbit + " or -max-total-mbit " + total
                    + ": give Mbit/s per member (at least 1), and in all (0: no cap)");
            return null;
        }
        List<InetSocketAddress> relays = RelayServer.bootstrapServers(p.string("relay"),
                s -> err.println("Invalid -relay '" + s + "': give HOST:PORT of a relay"));
        List<InetSocketAddress> others = RelayServer.bootstrapServers(p.string("dht"),
                s -> err.println("Invalid -dht '" + s + "': give HOST:PORT"));
        if (relays == null || others == null) {
            return null;
        }
        List<InetSocketAddress> announceTo = new ArrayList<>(List.of(own));
        announceTo.addAll(others);
        if (!relays.isEmpty()) {
            relays = new ArrayList<>(relays);
            relays.add(proxyListen.getAddress().isAnyLocalAddress() ? new InetSocketAddress(own.getAddress(),
                    proxyListen.getPort()) : proxyListen); // its own relay, besides the others allowed
        }
        String dir = p.string("state");
        Path base = dir.isEmpty() ? stateDir : Path.of(dir).toAbsolutePath().normalize();
        StandaloneServers.Streams dhtStreams;
        StandaloneServers.Streams proxyStreams;
        try {
            if (p.string("dht-tcp").isEmpty() && p.string("proxy-tcp").isEmpty()) {
                StandaloneServers.streams(p, "dht-tcp", base.resolve("dht-server")); // says what TLS flags need
            }
            dhtStreams = p.string("dht-tcp").isEmpty() ? new StandaloneServers.Streams(null, null, null, base)
                    : StandaloneServers.streams(p, "dht-tcp", base.resolve("dht-server"));
            proxyStreams = p.string("proxy-tcp").isEmpty() ? new StandaloneServers.Streams(null, null, null, base)
                    : StandaloneServers.streams(p, "proxy-tcp", base.resolve("proxy-server")).withPublicPort(p);
        } catch (UsageException e) {
            err.println(e.getMessage());
            return null;
        }
        List<InetSocketAddress> allowed = relays;
        return () -> {
            BootstrapServer dht = BootstrapServer.start(dhtListen, System::nanoTime, log::info,
                    ServerKey.load(base.resolve("dht-server")), allowed, dhtStreams.options());
            try {
                RelayServer relay = RelayServer.start(proxyListen, mbit * 125_000L, total * 125_000L, System::nanoTime,
                        log::info, announceTo, proxyStreams.options());
                return new Both(dht, relay);
            } catch (java.io.IOException | RuntimeException e) {
                dht.close();
                throw e;
            }
        };
    }

    /**
     * Where the relay announces itself to its own bootstrap server: an address of this host that
     * members reach (the bootstrap server's own, or else the relay's), so that the server sees the
     * relay come from an address of this host and offers it there; null when both listen on every
     * address (the announcement would come from loopback, useless to members elsewhere).
     */
    static InetSocketAddress ownBootstrap(InetSocketAddress dhtListen, InetSocketAddress proxyListen) {
        if (!dhtListen.getAddress().isAnyLocalAddress()) {
            return dhtListen;
        }
        return proxyListen.getAddress().isAnyLocalAddress() ? null
                : new InetSocketAddress(proxyListen.getAddress(), dhtListen.getPort());
    }

    private static InetSocketAddress address(Parsed p, String flag, String deflt, PrintStream err) {
        String text = p.string(flag).isEmpty() ? deflt : p.string(flag);
        InetSocketAddress a = BootstrapServer.listenAddress(text);
        if (a == null) {
            err.println("Invalid -" + flag + " '" + text + "': give ADDR:PORT, [IPv6]:PORT or :PORT");
        }
        return a;
    }
}
