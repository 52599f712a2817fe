package io.subutai.p2p.transport.udp.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;

/**
 * A descriptor the socket's event loop serves with its datagrams ({@code watch}), as the engine
 * hands it a network's TAP: served on the socket's thread while readable, not after its handle is
 * closed, and lost (said once) when the socket closes or the descriptor's other end goes.
 */
class NettyUdpSocketWatchTest {

    private final UdpSocketProvider provider = new UdpSocketProvider();
    private final FileDescriptor[] pipe;
    private final AtomicInteger readable = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final Set<String> threads = ConcurrentHashMap.newKeySet();
    private final ByteBuffer drain = ByteBuffer.allocateDirect(64);

    NettyUdpSocketWatchTest() throws Exception {
        Epoll.ensureAvailability(); // loads the native library the pipe comes from
        pipe = FileDescriptor.pipe();
    }

    @AfterEach
    void closePipe() throws Exception {
        for (FileDescriptor d : pipe) {
            if (d.isOpen()) {
                d.close();
            }
        }
    }

    /** What the engine does when the TAP is readable: read what is there. */
    private void served() {
        threads.add(Thread.currentThread().getName());
        readable.incrementAndGet();
        try {
            drain.clear();
            pipe[0].read(drain, 0, drain.capacity());
        } catch (Exception e) {
            // the other end went: the loop says so with the next event
        }
    }

    private void poke() throws Exception {
        ByteBuffer one = ByteBuffer.allocateDirect(1).put((byte) 1).flip();
        pipe[1].write(one, 0, 1);
    }

    /** A datagram through the socket and back: the loop ran every event that came before it. */
    private static void roundTrip(NettyUdpSocket s) {
        AtomicInteger got = new AtomicInteger();
        try (AutoCloseable r = s.register(7, (from, d) -> got.incrementAndGet())) {
            s.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.localAddress().getPort()),
                    ByteBuffer.wrap(new byte[] {1, 7, 0, 0}));
            await().atMost(5, TimeUnit.SECONDS).until(() -> got.get() == 1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aReadableDescriptorIsServedOnTheSocketsThreadUntilItsHandleIsClosed() throws Exception {
        try (NettyUdpSocket s = (NettyUdpSocket) provider.openOn("wa", InetAddress.getLoopbackAddress())) {
            AutoCloseable w = s.watch(pipe[0].intValue(), this::served, lost::incrementAndGet);
            assertNotNull(w, "epoll watches a descriptor");
            poke();
            await().atMost(5, TimeUnit.SECONDS).until(() -> readable.get() >= 1);
            poke();
            await().atMost(5, TimeUnit.SECONDS).until(() -> readable.get() >= 2);
            assertEquals(1, threads.size(), threads.toString());
            assertTrue(threads.iterator().next().startsWith("p2p-udp-wa-"), "the socket's own thread: " + threads);
            roundTrip(s);
            assertEquals(2, readable.get(), "served once for each time it became readable, not again once read");
            w.close();
            poke();
            roundTrip(s);
            assertEquals(2, readable.get(), "not served after its handle is closed");
            assertEquals(0, lost.get(), "closed by its owner: not lost");
        }
        assertEquals(0, lost.get());
    }

    @Test
    void aDescriptorClosedBeforeItIsWatchedIsRefusedNotThrown() throws Exception {
        try (NettyUdpSocket s = (NettyUdpSocket) provider.openOn("wd", InetAddress.getLoopbackAddress())) {
            int fd = pipe[0].intValue();
            pipe[0].close(); // as a TAP closed while its thread hands it over
            assertNull(s.watch(fd, this::served, lost::incrementAndGet));
            roundTrip(s); // and the socket goes on
            assertEquals(0, lost.get());
        }
    }

    @Test
    void closingTheSocketLosesItsWatchesOnce() throws Exception {
        NettyUdpSocket s = (NettyUdpSocket) provider.openOn("wb", InetAddress.getLoopbackAddress());
        AutoCloseable w = s.watch(pipe[0].intValue(), this::served, lost::incrementAndGet);
        s.close();
        assertEquals(1, lost.get(), "its owner waits for the descriptor itself again");
        w.close();
        assertEquals(1, lost.get());
        assertNull(s.watch(pipe[0].intValue(), this::served, lost::incrementAndGet), "a closed socket watches nothing");
        assertTrue(pipe[0].isOpen(), "the descriptor stays its owner's");
    }

    @Test
    void aDescriptorWhoseOtherEndWentIsLostNotServedForever() throws Exception {
        try (NettyUdpSocket s = (NettyUdpSocket) provider.openOn("wc", InetAddress.getLoopbackAddress())) {
            s.watch(pipe[0].intValue(), this::served, lost::incrementAndGet);
            pipe[1].close();
            await().atMost(5, TimeUnit.SECONDS).until(() -> lost.get() == 1);
            int served = readable.get();
            roundTrip(s);
            roundTrip(s);
            assertEquals(served, readable.get(), "no longer served: the loop does not spin on it");
            assertEquals(1, lost.get());
        }
        assertEquals(1, lost.get(), "said once, not again at close");
    }
}
