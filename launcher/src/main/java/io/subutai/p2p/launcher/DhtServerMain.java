package io.subutai.p2p.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

import io.subutai.p2p.dht.server.BootstrapServer;

/**
 * {@code p2p dht-server}: a bootstrap server in the foreground, without OSGi, until SIGTERM or
 * SIGINT. It needs no root and writes nothing to disk: all its state is soft.
 */
final class DhtServerMain {

    static final String DEFAULT_LISTEN = ":6881";

    private DhtServerMain() {
    }

    static int run(Parsed p, PrintStream out, PrintStream err) {
        String listen = p.string("listen").isEmpty() ? DEFAULT_LISTEN : p.string("listen");
        InetSocketAddress address = parse(listen);
        if (address == null) {
            err.println("Invalid -listen '" + listen + "': give ADDR:PORT, [IPv6]:PORT or :PORT");
            return Main.EXIT_USAGE;
        }
        BootstrapServer server;
        try {
            server = BootstrapServer.start(address, System::nanoTime, m -> out.println(Log.line("INFO", m)));
        } catch (IOException e) {
            err.println(Log.line("ERROR", "Cannot listen on " + listen + ": " + e.getMessage()));
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(signal -> {
            out.println(Log.line("INFO", "Stopping the bootstrap server (" + signal + ")"));
            stop.countDown();
        });
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        return 0;
    }

    /** {@code ADDR:PORT}, {@code [IPv6]:PORT} or {@code :PORT} (every address); null when it is none of them. */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String host = text.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65535) {
            return null;
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        return a.isUnresolved() ? null : a;
    }
}
