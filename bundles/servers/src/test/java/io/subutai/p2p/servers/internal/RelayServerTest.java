package io.subutai.p2p.servers.internal;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.SegmentedDatagramPacket;

import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * The relay over real UDP on the loopback interface, with a clock the test moves. Members talk only
 * to its one port. Each test runs with every way the relay's port can move datagrams: the old one
 * (a datagram per call), batches, and batches with GRO and GSO.
 */
class RelayServerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final AtomicLong clock = new AtomicLong(5_000_000_000_000L);
    private RelayServer relay;

    /** A member: a socket of its own, a network and a key. */
    private final class Member implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(0, LOOPBACK);
        final byte[] network = new byte[16];
        final byte[] key = new byte[32];
        int handle;
        byte[] secret;

        Member(int network, int n) throws IOException {
            this.network[0] = (byte) network;
            this.key[0] = (byte) n;
            socket.setSoTimeout(2000);
        }

        /** Asks for its allocation (a cookie first, then echoing it); returns its handle. */
        int allocate() throws IOException {
            RelayMessage cookie = request(RelayMessage.allocate(network, key, new byte[RelayMessage.TOKEN]));
            assertEquals(RelayMessage.OP_COOKIE, cookie.op());
            RelayMessage m = request(RelayMessage.allocate(network, key, cookie.token()));
            assertEquals(RelayMessage.OP_ALLOCATED, m.op());
            assertEquals(RelayServer.LIFETIME_SECONDS, m.lifetime());
            handle = m.handle();
            secret = m.token();
            return handle;
        }

        /** Sends {@code m} to the relay and returns its answer. */
        RelayMessage request(RelayMessage m) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
            m.encode(b);
            socket.send(new DatagramPacket(b.array(), b.position(), new InetSocketAddress(LOOPBACK, relay.address().getPort())));
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            socket.receive(p);
            return RelayMessage.decode(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
        }

        /** SEND to the relay's one port, for the member with handle {@code to}. */
        void sendTo(int to, byte[] data) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ENVELOPE + data.length);
            RelayMessage.envelope(b, RelayMessage.OP_SEND, to);
            b.put(data);
            socket.send(new DatagramPacket(b.array(), b.position(), relay.address()));
        }

        void sendTo(Member other, byte[] data) throws IOException {
            sendTo(other.handle, data);
        }

        /** The next FROM: its sender's handle and the datagram, or null after the timeout. */
        Object[] next() throws IOException {
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            assertEquals(relay.address().getPort(), p.getPort(), "everything comes from the relay's one port");
            ByteBuffer b = ByteBuffer.wrap(p.getData(), 0, p.getLength());
            assertEquals(RelayMessage.OP_FROM, RelayMessage.op(b));
            return new Object[] {RelayMessage.handle(b),
                    java.util.Arrays.copyOfRange(p.getData(), RelayMessage.ENVELOPE, p.getLength())};
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private void start(long bytesPerSecond, DatagramServer.Io io) throws IOException {
        relay = RelayServer.start(new InetSocketAddress(LOOPBACK, 0), bytesPerSecond, 0, clock::get, m -> { }, List.of(), null,
                io);
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramServer.Io.class)
    void twoMembersOfANetworkTalkThroughTheirRelayedPorts(DatagramServer.Io io) throws Exception {
        start(100_000_000, io);
        try (Member a = new Member(1, 1); Member b = new Member(1, 2)) {
            int ha = a.allocate();
            int hb = b.allocate();
            assertNotEquals(ha, hb);
            assertEquals(ha, a.allocate(), "a member that asks again from where it is keeps its handle");
            RelayMessage refreshed = a.request(RelayMessage.proving(RelayMessage.OP_REFRESH, ha, a.secret));
            assertEquals(RelayMessage.OP_ALLOCATED, refreshed.op(), "a refresh with proof is answered with the allocation");
            assertEquals(ha, refreshed.handle(), "and keeps the handle");
            a.sendTo(b, "ciphertext from a".getBytes());
            Object[] got = b.next();
            assertArrayEquals("ciphertext from a".getBytes(), (byte[]) got[1]);
            assertEquals(ha, got[0], "b learns a's handle, and answers to it");
            b.sendTo(ha, "and back".getBytes());
            Object[] back = a.next();
            assertEquals("and back", new String((byte[]) back[1]));
            assertEquals(hb, back[0]);
            org.awaitility.Awaitility.await("counted").atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> relay.relayedBytes() == 17 + 8);
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramServer.Io.class)
    void handlesAreRandomSoNoneCanBeGuessedFromAnother(DatagramServer.Io io) throws Exception {
        start(100_000_000, io);
        java.util.List<Member> members = new java.util.ArrayList<>();
        java.util.List<Integer> handles = new java.util.ArrayList<>();
        try {
            for (int i = 1; i <= 16; i++) {
                Member m = new Member(1, i);
                members.add(m);
                handles.add(m.allocate());
            }
            assertEquals(16, new java.util.HashSet<>(handles).size(), "distinct");
            assertTrue(handles.stream().allMatch(h -> h >= 1 && h <= 65_535), handles.toString());
            int next = 0;
            for (int i = 1; i < handles.size(); i++) {
                next += handles.get(i) == handles.get(i - 1) + 1 ? 1 : 0;
            }
            assertTrue(next < 3, "not one after another, as they were: " + handles);
        } finally {
            members.forEach(Member::close);
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramServer.Io.class)
    void nobodyElseGetsThrough(DatagramServer.Io io) throws Exception {
        start(100_000_000, io);
        try (Member a = new Member(1, 1); Member b = new Member(1, 2); Member other = new Member(2, 3);
                Member outsider = new Member(1, 4)) {
            a.allocate();
            b.allocate();
            other.allocate(); // another network
            outsider.sendTo(b, new byte[] {1}); // knows the handle, has no allocation
            other.sendTo(b, new byte[] {2});
            a.sendTo(a, new byte[] {3}); // to itself
            b.socket.setSoTimeout(500);
            assertNull(b.next(), "nothing from outside the network, nor from nowhere");
            assertEquals(0, relay.relayedBytes());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> relay.dropped() == 3);
            a.sendTo(9999, new byte[] {4}); // to no handle
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> relay.dropped() == 4);
        }
    }

    @ParameterizedTest
    @EnumSource(DatagramServer.Io.class)
    void aMemberIsHeldToItsRateAndAllocationsExpire(DatagramServer.Io io) throws Exception {
        start(10_000, io); // 10 kB/s
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

    @ParameterizedTest
    @EnumSource(DatagramServer.Io.class)
    void aMembersRunOfDatagramsCrossesTheRelayWholeAndInOrder(DatagramServer.Io io) throws Exception {
        start(100_000_000, io);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (Member a = new Member(1, 1); Member b = new Member(1, 2)) {
            int ha = a.allocate();
            b.allocate();
            java.net.SocketAddress at = a.socket.getLocalSocketAddress();
            a.socket.close(); // a sends from the same port with GSO now, as a member's transport does
            Channel gso = new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).bind(at).sync().channel();
            int segment = RelayMessage.ENVELOPE + 1200;
            ByteBuf run = Unpooled.directBuffer(40 * segment);
            for (int i = 0; i < 40; i++) {
                ByteBuffer d = ByteBuffer.allocate(i < 39 ? segment : segment - 500);
                RelayMessage.envelope(d, RelayMessage.OP_SEND, b.handle);
                d.put((byte) i);
                run.writeBytes(d.array());
            }
            gso.writeAndFlush(new SegmentedDatagramPacket(run, segment, relay.address())).sync();
            for (int i = 0; i < 40; i++) {
                Object[] got = b.next();
                assertEquals(ha, got[0], "datagram " + i + " from a");
                assertEquals(i < 39 ? 1200 : 700, ((byte[]) got[1]).length);
                assertEquals(i, ((byte[]) got[1])[0], "in order");
            }
            if (io == DatagramServer.Io.BATCH_OFFLOAD && relay.port() instanceof BatchUdpPort p && p.offloads()) {
                assertEquals(1, p.segmentedRuns(), "the run left the relay as it came: one GSO send");
            }
            gso.close().sync();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
