package io.subutai.p2p.proxy.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.proxy.protocol.RelayMessage;

/** The relay over real UDP on the loopback interface, with a clock the test moves. */
class RelayServerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final AtomicLong clock = new AtomicLong(5_000_000_000_000L);
    private RelayServer relay;

    /** A member: a socket of its own, a network and a key. */
    private final class Member implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        final byte[] network = new byte[16];
        final byte[] key = new byte[32];
        int port;

        Member(int network, int n) throws IOException {
            this.network[0] = (byte) network;
            this.key[0] = (byte) n;
            socket.setSoTimeout(2000);
        }

        /** Asks for its allocation; returns the relayed port. */
        int allocate() throws IOException {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATE_SIZE);
            RelayMessage.allocate(network, key).encode(b);
            socket.send(new DatagramPacket(b.array(), b.position(), new InetSocketAddress(LOOPBACK, relay.address().getPort())));
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            socket.receive(p);
            RelayMessage m = RelayMessage.decode(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
            assertEquals(RelayMessage.OP_ALLOCATED, m.op());
            assertEquals(RelayServer.LIFETIME_SECONDS, m.lifetime());
            port = m.port();
            return port;
        }

        void sendTo(Member other, byte[] data) throws IOException {
            socket.send(new DatagramPacket(data, data.length, new InetSocketAddress(LOOPBACK, other.port)));
        }

        /** The next datagram and where it came from, or null after the timeout. */
        DatagramPacket next() throws IOException {
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                socket.receive(p);
                return p;
            } catch (SocketTimeoutException e) {
                return null;
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private void start(long bytesPerSecond) throws IOException {
        relay = RelayServer.start(new InetSocketAddress(LOOPBACK, 0), bytesPerSecond, clock::get, m -> { });
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void twoMembersOfANetworkTalkThroughTheirRelayedPorts() throws Exception {
        start(100_000_000);
        try (Member a = new Member(1, 1); Member b = new Member(1, 2)) {
            int pa = a.allocate();
            int pb = b.allocate();
            assertNotEquals(pa, pb);
            assertEquals(pa, a.allocate(), "a refresh keeps the port");
            a.sendTo(b, "ciphertext from a".getBytes());
            DatagramPacket got = b.next();
            assertArrayEquals("ciphertext from a".getBytes(), java.util.Arrays.copyOf(got.getData(), got.getLength()));
            assertEquals(pa, got.getPort(), "b sees a at a's relayed port, and answers there");
            b.sendTo(a, "and back".getBytes());
            DatagramPacket back = a.next();
            assertEquals("and back", new String(back.getData(), 0, back.getLength()));
            assertEquals(pb, back.getPort());
            org.awaitility.Awaitility.await("counted").atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> relay.relayedBytes() == 17 + 8);
        }
    }

    @Test
    void nobodyElseGetsThrough() throws Exception {
        start(100_000_000);
        try (Member a = new Member(1, 1); Member b = new Member(1, 2); Member other = new Member(2, 3);
                Member outsider = new Member(1, 4)) {
            a.allocate();
            b.allocate();
            other.allocate(); // another network
            outsider.port = b.port; // knows the port, has no allocation
            outsider.socket.send(new DatagramPacket(new byte[] {1}, 1, new InetSocketAddress(LOOPBACK, b.port)));
            other.sendTo(b, new byte[] {2});
            a.sendTo(a, new byte[] {3}); // to itself
            b.socket.setSoTimeout(500);
            assertNull(b.next(), "nothing from outside the network, nor from nowhere");
            assertEquals(0, relay.relayedBytes());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> relay.dropped() == 3);
        }
    }

    @Test
    void aMemberIsHeldToItsRateAndAllocationsExpire() throws Exception {
        start(10_000); // 10 kB/s
        try (Member a = new Member(1, 1); Member b = new Member(1, 2)) {
            a.allocate();
            b.allocate();
            for (int i = 0; i < 100; i++) {
                a.sendTo(b, new byte[1000]);
            }
            b.socket.setSoTimeout(500);
            int passed = 0;
            while (b.next() != null) {
                passed++;
            }
            assertTrue(passed >= 9 && passed <= 11, passed + " kB passed of 100, at 10 kB/s with the clock standing");

            clock.addAndGet((RelayServer.LIFETIME_SECONDS + 2) * 1_000_000_000L);
            org.awaitility.Awaitility.await("allocations not refreshed expire").atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> relay.allocations() == 0);
        }
    }
}
