package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.SegmentedDatagramPacket;

/**
 * The relay's batching port on loopback: a port that sends every datagram back, rewritten, to
 * where it came from. A sender's GSO run comes back whole and in order, as one GSO send when the
 * kernel takes it and a datagram each when it refuses it.
 */
class BatchUdpPortTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int SEGMENT = 1_000;

    private final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private BatchUdpPort port;
    private EventLoopGroup senderLoop;
    private Channel sender;
    private DatagramSocket receiver;

    @BeforeEach
    void needsEpoll() {
        assumeTrue(BatchUdpPort.available(), "Netty's epoll transport is not there");
    }

    /** A port that sends what it gets back to {@code back}, its first byte incremented; {@code offload}: GRO and GSO. */
    private void echo(boolean offload, InetSocketAddress back) throws Exception {
        BatchUdpPort[] self = new BatchUdpPort[1];
        port = new BatchUdpPort(new InetSocketAddress(LOOPBACK, 0), "p2p-test-batch", new UdpPort.Receiver() {
            @Override
            public void datagram(ByteBuffer datagram, InetSocketAddress from) {
                datagram.put(datagram.position(), (byte) (datagram.get(datagram.position()) + 1));
                self[0].forward(datagram, back);
            }

            @Override
            public void idle() {
            }

            @Override
            public void failed(Throwable e) {
                failures.add(e);
            }
        }, offload);
        self[0] = port;
        port.start();
    }

    /** Sends {@code count} datagrams of {@link #SEGMENT} bytes and one of {@code SEGMENT / 2}, numbered, as one GSO send. */
    private void sendRun(int count) throws Exception {
        senderLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        sender = new Bootstrap().group(senderLoop).channel(EpollDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK, 0).sync().channel();
        ByteBuf run = Unpooled.directBuffer(count * SEGMENT + SEGMENT / 2);
        for (int i = 0; i <= count; i++) {
            byte[] d = datagram(i, i < count ? SEGMENT : SEGMENT / 2);
            run.writeBytes(d);
        }
        sender.writeAndFlush(new SegmentedDatagramPacket(run, SEGMENT, port.address())).sync();
    }

    /** Datagram {@code i}: its number in the first byte, then {@code i} repeated. */
    private static byte[] datagram(int i, int size) {
        byte[] d = new byte[size];
        java.util.Arrays.fill(d, (byte) (i * 7));
        d[0] = (byte) i;
        return d;
    }

    /** What comes back, in order, until {@code count} datagrams came or 2 s passed. */
    private List<byte[]> received(int count) throws Exception {
        List<byte[]> got = new ArrayList<>();
        receiver.setSoTimeout(2000);
        while (got.size() < count) {
            DatagramPacket p = new DatagramPacket(new byte[2 * SEGMENT], 2 * SEGMENT);
            try {
                receiver.receive(p);
            } catch (java.net.SocketTimeoutException e) {
                break;
            }
            got.add(java.util.Arrays.copyOf(p.getData(), p.getLength()));
        }
        return got;
    }

    private void assertCameBackInOrder(List<byte[]> got, int count) {
        assertEquals(count + 1, got.size(), "every datagram came back");
        for (int i = 0; i <= count; i++) {
            byte[] want = datagram(i, i < count ? SEGMENT : SEGMENT / 2);
            want[0]++;
            assertArrayEquals(want, got.get(i), "datagram " + i + ", in order, as the port rewrote it");
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @AfterEach
    void close() throws Exception {
        if (sender != null) {
            sender.close().sync();
            senderLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (port != null) {
            port.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void aRunComesInWholeAndGoesOutWholeInOneGsoSend() throws Exception {
        receiver = new DatagramSocket(0, LOOPBACK);
        echo(true, (InetSocketAddress) receiver.getLocalSocketAddress());
        assumeTrue(port.offloads(), "this kernel takes neither UDP GRO nor GSO");
        sendRun(40);
        assertCameBackInOrder(received(41), 40);
        assertTrue(port.segmentedRuns() >= 1 && port.segmentedRuns() <= 2,
                "41 datagrams of one GRO run left in one or two GSO sends (64 segments or 65000 bytes at most): "
                        + port.segmentedRuns());
    }

    @Test
    void withoutOffloadsEveryDatagramGoesAloneAndInOrder() throws Exception {
        receiver = new DatagramSocket(0, LOOPBACK);
        echo(false, (InetSocketAddress) receiver.getLocalSocketAddress());
        sendRun(40);
        assertCameBackInOrder(received(41), 40);
        assertEquals(0, port.segmentedRuns());
        assertFalse(port.offloads());
    }

    @Test
    void whenTheKernelRefusesGsoTheRunGoesAgainADatagramEachAndSoDoesEverythingAfter() throws Exception {
        receiver = new DatagramSocket(0, LOOPBACK);
        echo(true, (InetSocketAddress) receiver.getLocalSocketAddress());
        assumeTrue(port.offloads(), "this kernel takes neither UDP GRO nor GSO");
        // SO_NO_CHECK: the kernel sends datagrams without a checksum, and refuses UDP_SEGMENT (EINVAL)
        port.channel().config().setOption(new IntegerUnixChannelOption("SO_NO_CHECK", 1, 11), 1);
        sendRun(40);
        assertCameBackInOrder(received(41), 40);
        assertFalse(port.offloads(), "GSO is off from now on");
        long runs = port.segmentedRuns();
        sender.writeAndFlush(new SegmentedDatagramPacket(Unpooled.wrappedBuffer(datagram(1, SEGMENT), datagram(2, SEGMENT)),
                SEGMENT, port.address())).sync();
        assertEquals(2, received(2).size());
        assertEquals(runs, port.segmentedRuns(), "no GSO send tried again");
    }

    @Test
    void closingStopsItsThreadAndFreesItsPort() throws Exception {
        receiver = new DatagramSocket(0, LOOPBACK);
        echo(true, (InetSocketAddress) receiver.getLocalSocketAddress());
        InetSocketAddress at = port.address();
        port.close();
        port = null;
        Awaitility.await("its thread is gone").atMost(Duration.ofSeconds(3)).until(() -> Thread.getAllStackTraces().keySet()
                .stream().noneMatch(t -> t.isAlive() && t.getName().equals("p2p-test-batch")));
        try (DatagramSocket again = new DatagramSocket(at)) {
            assertEquals(at.getPort(), again.getLocalPort());
        }
    }
}
