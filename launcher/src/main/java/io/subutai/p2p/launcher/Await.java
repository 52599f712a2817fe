package io.subutai.p2p.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Waits for the daemon's own control API to listen: the components start it as the bundles start. */
final class Await {

    private Await() {
    }

    /** True as soon as the Unix socket {@code socket} accepts a connection, false after {@code timeoutMs}. */
    static boolean listening(java.nio.file.Path socket, long timeoutMs) {
        return until(timeoutMs, () -> {
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                c.connect(java.net.UnixDomainSocketAddress.of(socket));
            }
        });
    }

    /** True as soon as 127.0.0.1:port accepts a connection, false after {@code timeoutMs}. */
    static boolean listening(int port, long timeoutMs) {
        return until(timeoutMs, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            }
        });
    }

    private interface Attempt {
        void run() throws IOException;
    }

    private static boolean until(long timeoutMs, Attempt connect) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            try {
                connect.run();
                return true;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
            }
            try {
                Thread.sleep(20); // no event tells when a component binds its socket
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
