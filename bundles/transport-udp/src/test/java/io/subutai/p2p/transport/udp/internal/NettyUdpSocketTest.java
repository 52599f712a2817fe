package io.subutai.p2p.transport.udp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.netty.channel.epoll.Epoll;

/** The socket on the loopback interface. */
class NettyUdpSocketTest {

    private final UdpSocketProvider provider = new UdpSocketProvider();

    private static InetSocketAddress loopback(NettyUdpSocket s) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.localAddress().getPort());
    }

    @Test
    void datagramsReachTheHandlerOfTheirType() throws Exception {
        assertTrue(Epoll.isAvailable(), "the epoll transport loads here: " + Epoll.unavailabilityCause());
        try (NettyUdpSocket a = (NettyUdpSocket) provider.open("ta", 0, 0);
                NettyUdpSocket b = (NettyUdpSocket) provider.open("tb", 0, 0)) {
            BlockingQueue<byte[]> data = new LinkedBlockingQueue<>();
            BlockingQueue<InetSocketAddress> senders = new LinkedBlockingQueue<>();
            b.register(4, (from, d) -> {
                byte[] x = new byte[d.remaining()];
                d.get(x);
                senders.add(from);
                data.add(x);
            });
            for (int i = 0; i < 100; i++) {
                a.send(loopback(b), ByteBuffer.wrap(new byte[] {1, 4, 0, 0, (byte) i}));
            }
            a.send(loopback(b), ByteBuffer.wrap(new byte[] {1, 9, 0, 0})); // no handler for 9
            a.send(loopback(b), ByteBuffer.wrap(new byte[] {1})); // a runt
            for (int i = 0; i < 100; i++) {
                byte[] got = data.poll(5, TimeUnit.SECONDS);
                assertArrayEquals(new byte[] {1, 4, 0, 0, (byte) i}, got, "in order, intact");
                assertEquals(a.localAddress().getPort(), senders.poll().getPort());
            }
            awaitUnhandled(b, 2);
            assertThrows(IllegalStateException.class, () -> b.register(4, (f, d) -> { }));
        }
    }

    /**
     * Data leaves fragmentable (IP_PMTUDISC_DONT: a router before a narrower link fragments rather
     * than drops it), a probe with the don't-fragment bit, and the socket is as it was after it.
     * That the bit is really set is PmtuProcessTest's: beyond a router, probes find the narrow link.
     */
    @Test
    void probesLeaveUnfragmentedAndTheSocketStaysFragmentableForData() throws Exception {
        try (NettyUdpSocket a = (NettyUdpSocket) provider.open("da", 0, 0);
                NettyUdpSocket b = (NettyUdpSocket) provider.open("db", 0, 0)) {
            assertEquals(0, a.mtuDiscover(), "IP_PMTUDISC_DONT");
            BlockingQueue<byte[]> data = new LinkedBlockingQueue<>();
            b.register(4, (from, d) -> {
                byte[] x = new byte[d.remaining()];
                d.get(x);
                data.add(x);
            });
            byte[] probe = new byte[1452];
            probe[0] = 1;
            probe[1] = 4;
            probe[1451] = 9;
            assertTrue(a.sendUnfragmented(loopback(b), ByteBuffer.wrap(probe)));
            assertArrayEquals(probe, data.poll(5, TimeUnit.SECONDS), "the probe arrives whole");
            assertEquals(0, a.mtuDiscover(), "the mode is back for data");
            a.send(loopback(b), ByteBuffer.wrap(new byte[] {1, 4, 7}));
            assertArrayEquals(new byte[] {1, 4, 7}, data.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRunOfDatagramsLeavesInOneBurstAndArrivesAsSeparateDatagrams() throws Exception {
        try (NettyUdpSocket a = (NettyUdpSocket) provider.open("ga", 0, 0);
                NettyUdpSocket b = (NettyUdpSocket) provider.open("gb", 0, 0)) {
            assertEquals("direct, GSO", a.sendPath(), "sends leave from the caller's thread, runs with UDP GSO");
            BlockingQueue<byte[]> data = new LinkedBlockingQueue<>();
            b.register(4, (from, d) -> {
                byte[] x = new byte[d.remaining()];
                d.get(x);
                data.add(x);
            });
            int segment = 1452;
            int count = 100; // more than one system call carries
            ByteBuffer run = ByteBuffer.allocateDirect(segment * count);
            for (int i = 0; i < count; i++) {
                int len = i == count - 1 ? 300 : segment;
                run.put(new byte[] {1, 4, 0, 0}).putInt(i);
                for (int k = 8; k < len; k++) {
                    run.put((byte) (i + k));
                }
            }
            run.flip();
            a.sendSegments(loopback(b), run, segment);
            for (int i = 0; i < count; i++) {
                byte[] got = data.poll(5, TimeUnit.SECONDS);
                assertEquals(i == count - 1 ? 300 : segment, got.length, "datagram " + i);
                assertEquals(i, ByteBuffer.wrap(got).getInt(4), "in order");
                assertEquals((byte) (i + 100), got[100]);
            }
            a.send(loopback(b), ByteBuffer.wrap(new byte[] {1, 4, 0, 0, 0, 0, 0, 7})); // a heap buffer, one datagram
            assertEquals(7, ByteBuffer.wrap(data.poll(5, TimeUnit.SECONDS)).getInt(4));
            assertEquals(0, a.dropped());
        }
    }

    private static void awaitUnhandled(NettyUdpSocket s, long n) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> s.unhandled() == n);
    }

    @Test
    void aPortRangeSkipsBusyPortsAndAnExhaustedRangeSaysSo() throws Exception {
        try (NettyUdpSocket first = (NettyUdpSocket) provider.open("r1", 0, 0)) {
            int busy = first.localAddress().getPort();
            try (NettyUdpSocket second = (NettyUdpSocket) provider.open("r2", busy, busy + 1)) {
                assertNotEquals(busy, second.localAddress().getPort());
            }
            IOException e = assertThrows(IOException.class, () -> provider.open("r3", busy, busy));
            assertTrue(e.getMessage().contains(Integer.toString(busy)), e.getMessage());
        }
        assertThrows(IOException.class, () -> provider.open("r4", 10, 5));
    }

    @Test
    void aSocketOnOneAddressIsBoundThereAloneAndAFreeAddressIsRefused() throws Exception {
        try (NettyUdpSocket any = (NettyUdpSocket) provider.open("w0", 0, 0);
                NettyUdpSocket lo = (NettyUdpSocket) provider.openOn("w1", InetAddress.getLoopbackAddress())) {
            assertTrue(any.localAddress().getAddress().isAnyLocalAddress(), "open binds every address");
            assertEquals(InetAddress.getLoopbackAddress(), lo.localAddress().getAddress(), "openOn binds the one");
            BlockingQueue<InetSocketAddress> from = new LinkedBlockingQueue<>();
            lo.register(4, (sender, d) -> from.add(sender));
            any.send(loopback(lo), ByteBuffer.wrap(new byte[] {1, 4, 0, 0}));
            assertEquals(any.localAddress().getPort(), from.poll(5, TimeUnit.SECONDS).getPort());
        }
        IOException e = assertThrows(IOException.class, () -> provider.openOn("w2", InetAddress.getByName("192.0.2.1")));
        assertTrue(e.getMessage().contains("192.0.2.1"), e.getMessage()); // TEST-NET-1: no interface has it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> threadNamed("p2p-udp-w2") == null);
    }

    @Test
    void closingStopsTheThread() throws Exception {
        NettyUdpSocket s = (NettyUdpSocket) provider.open("closing", 0, 0);
        s.send(loopback(s), ByteBuffer.wrap(new byte[] {1, 4, 0, 0}));
        s.close();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> threadNamed("p2p-udp-closing") == null);
        assertNull(threadNamed("p2p-udp-closing"));
    }

    private static Thread threadNamed(String prefix) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(prefix)) {
                return t;
            }
        }
        return null;
    }
}
