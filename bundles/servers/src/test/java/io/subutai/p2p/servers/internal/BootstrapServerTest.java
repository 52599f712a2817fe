package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.wire.dht.DhtMessage;

/** The bootstrap server over real UDP on the loopback interface, with a clock the test moves. */
class BootstrapServerTest {

    private static final byte[] NET = new byte[16];
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private BootstrapServer server;

    /** A member with a socket of its own. */
    private final class Client implements AutoCloseable {
        final DatagramSocket socket;
        final TestMember member = new TestMember(NET);
        final byte[] key = member.key;

        Client() throws IOException {
            this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        /** A member at {@code at}: another loopback address is another source prefix. */
        Client(InetSocketAddress at) throws IOException {
            socket = new DatagramSocket(at);
            socket.setSoTimeout(3000);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        void send(byte[] datagram) throws IOException {
            socket.send(new DatagramPacket(datagram, datagram.length, server.address()));
        }

        /** Registers, first for a cookie (and the server's key) when it has none. */
        void register(boolean wants, int address, int prefix) throws IOException {
            if (member.agreed == null) {
                send(member.register(wants, address, prefix));
                member.learn(next(DhtMessage.Cookie.class));
            }
            send(member.register(wants, address, prefix));
        }

        /** The next message of this kind that is authentic (others in between are skipped), or null after the timeout. */
        <T extends DhtMessage> T next(Class<T> kind) throws IOException {
            byte[] buf = new byte[2048];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                byte[] d = Arrays.copyOf(buf, p.getLength());
                DhtMessage m = DhtMessage.decode(ByteBuffer.wrap(d));
                if (kind.isInstance(m) && (m instanceof DhtMessage.Cookie || member.authentic(d))) {
                    return kind.cast(m);
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private void start() throws IOException {
        server = BootstrapServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clock::get, m -> { });
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void membersLearnTheirReflexiveAddressAndEachOtherAndDepartures() throws Exception {
        start();
        try (Client a = new Client(); Client b = new Client()) {
            a.register(false, 0x0a000001, 24);
            DhtMessage.Welcome w = a.next(DhtMessage.Welcome.class);
            assertEquals(a.address(), w.reflexive(), "the address the server saw");
            assertEquals(BootstrapServer.REFRESH_SECONDS, w.refreshSeconds());

            b.register(false, 0x0a000002, 24);
            DhtMessage.Peers toB = b.next(DhtMessage.Peers.class);
            assertArrayEquals(a.key, toB.members().get(0).signed().record().staticKey());
            assertEquals(a.address(), toB.members().get(0).reflexive(), "where the server saw it");
            assertEquals(a.member.locals, toB.members().get(0).signed().record().endpoints(), "its record, as it tagged it");
            assertArrayEquals(TestMember.tag(toB.members().get(0).signed().bytes()), toB.members().get(0).signed().tag());
            assertEquals(b.address(), b.next(DhtMessage.Welcome.class).reflexive());
            DhtMessage.Peers toA = a.next(DhtMessage.Peers.class);
            assertArrayEquals(b.key, toA.members().get(0).signed().record().staticKey(), "the newcomer is pushed to the others");
            assertEquals(2, server.members());

            b.send(b.member.leave());
            assertArrayEquals(b.key, a.next(DhtMessage.Gone.class).staticKeys().get(0));

            b.register(false, 0x0a000002, 24); // back, then silent
            a.next(DhtMessage.Peers.class);
            a.register(false, 0x0a000001, 24);
            a.next(DhtMessage.Welcome.class); // the server has seen it: the clock may move
            clock.addAndGet(20_000_000_000L);
            a.register(false, 0x0a000001, 24); // a refreshes, b does not
            a.next(DhtMessage.Welcome.class); // seen at +20 s, before the clock moves again
            clock.addAndGet(20_000_000_000L);
            org.awaitility.Awaitility.await("b forgotten after 30 s of silence").atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> server.members() == 1);
            DhtMessage.Gone gone = a.next(DhtMessage.Gone.class);
            assertNotNull(gone, "and a was told");
            assertArrayEquals(b.key, gone.staticKeys().get(0));
        }
    }

    @Test
    void theServersThreadOutlivesAnError() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        server = BootstrapServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> {
            if (calls.incrementAndGet() > 2 && thrown.compareAndSet(false, true)) {
                throw new InternalError("as under a flood"); // the clock, read on the server's thread, fails once
            }
            return clock.get();
        }, said::add);
        org.awaitility.Awaitility.await("the Error happened").atMost(java.time.Duration.ofSeconds(10)).until(thrown::get);
        try (Client a = new Client()) {
            a.register(false, 0x0a000001, 24);
            assertNotNull(a.next(DhtMessage.Welcome.class), "the server still answers");
        }
        assertTrue(said.stream().anyMatch(l -> l.contains("InternalError: as under a flood")), said.toString());
    }

    @Test
    void addressesAreHandedOutOnceAndKeptByTheirMembers() throws Exception {
        start();
        try (Client fixed = new Client(); Client x = new Client(); Client y = new Client()) {
            fixed.register(false, 0x0a2a0001, 24); // 10.42.0.1/24
            assertEquals(0x0a2a0001, fixed.next(DhtMessage.Welcome.class).address());
            x.register(true, 0x0a2a0000, 24); // asks in the subnet the members' records agree on
            int ax = x.next(DhtMessage.Welcome.class).address();
            y.register(true, 0x0a2a0000, 24);
            int ay = y.next(DhtMessage.Welcome.class).address();
            assertEquals(0x0a2a0000, ax & 0xffffff00, "in the subnet it asked in");
            assertEquals(0x0a2a0000, ay & 0xffffff00);
            assertNotEquals(0x0a2a0001, ax, "never the address a member has");
            assertNotEquals(ax, ay, "two members never get the same address");
            x.register(true, 0x0a2a0000, 24);
            assertEquals(ax, x.next(DhtMessage.Welcome.class).address(), "a member keeps its address");

            int port = server.address().getPort();
            server.close(); // a restart: soft state is gone (the key too: this server keeps none)
            server = BootstrapServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), clock::get, m -> { });
            y.member.agreed = null;
            y.register(true, ay, 24); // asks for the one it had
            assertEquals(ay, y.next(DhtMessage.Welcome.class).address(), "and gets it back after the server restarted");
        }
    }
}
