package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code p2p servers}: a bootstrap server and a relay in one process, the first offering the second. */
class BothServersTest {

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private StandaloneServers.Server prepare(String... args) throws UsageException {
        return BothServers.prepare(Commands.SERVERS.parse(List.of(args)), temp, new Log(new PrintStream(out, true), ""),
                new PrintStream(err, true));
    }

    private static int freeUdp() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeTcp() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theBootstrapServerOffersItsRelayWithItsStreamPortAndBothStopTogether() throws Exception {
        int dht = freeUdp();
        int relay = freeUdp();
        int tcp = freeTcp();
        AutoCloseable both = prepare("-dht-listen", "127.0.0.1:" + dht, "-proxy-listen", "127.0.0.1:" + relay,
                "-proxy-tcp", "127.0.0.1:" + tcp).start();
        try {
            String offered = "Relay 127.0.0.1:" + relay + " announced itself, with streams on TCP port " + tcp;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!out.toString(StandardCharsets.UTF_8).contains(offered) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L); // polls the log for a condition
            }
            assertTrue(out.toString(StandardCharsets.UTF_8).contains(offered),
                    "the relay announced itself to its own bootstrap server, with its stream port:\n" + out);
            assertTrue(Files.exists(temp.resolve("dht-server/server.key")), "each server in a directory of its own");
            assertTrue(Files.exists(temp.resolve("proxy-server/tls.crt")));
        } finally {
            both.close();
        }
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", dht));
                DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", relay))) {
            assertTrue(a.isBound() && b.isBound(), "both ports free again");
        }
    }

    @Test
    void flagsThatCannotWorkAreRefusedWithTheReason() throws Exception {
        assertNull(prepare("-dht-listen", ":6881", "-proxy-listen", ":6882"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("Give -proxy-listen ADDR:PORT (or -dht-listen ADDR:PORT)"
                + " with the address members reach"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertNull(prepare("-proxy-listen", "127.0.0.1:6882", "-tls-cert", "/x"));
        assertEquals("-tls-cert, -tls-key and -ws-path are for the stream port: give -dht-tcp ADDR:PORT too\n",
                err.toString(StandardCharsets.UTF_8));
        assertEquals(new InetSocketAddress("127.0.0.1", 6881),
                BothServers.ownBootstrap(new InetSocketAddress(6881), new InetSocketAddress("127.0.0.1", 6882)));
        assertEquals(new InetSocketAddress("127.0.0.2", 6881),
                BothServers.ownBootstrap(new InetSocketAddress("127.0.0.2", 6881), new InetSocketAddress(6882)));
    }
}
