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
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.wire.dht.DhtMessage;

/** The bootstrap server over real UDP on the loopback interface, with a clock the test moves. */
class BootstrapServerTest {

    private static final byte[] NET = new byte[16];
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private BootstrapServer server;

    /** A member: a socket of its own and a static key. */
    private final class Client implements AutoCloseable {
        final DatagramSocket socket;
        final byte[] key = new byte[32];

        Client(int n) throws IOException {
            this(n, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        /** A member at {@code at}: another loopback address is another source prefix. */
        Client(int n, InetSocketAddress at) throws IOException {
            socket = new DatagramSocket(at);
            key[0] = (byte) n;
            socket.setSoTimeout(3000);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        void send(DhtMessage m) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(1452);
            DhtMessage.encode(m, b);
            socket.send(new DatagramPacket(b.array(), b.position(), server.address()));
        }

        void register(boolean wants, int address, int prefix) throws IOException {
            send(new DhtMessage.Register(NET, key, List.of(new InetSocketAddress("192.168.5.5", 7000)), wants, address, prefix));
        }

        /** The next message of this kind (others in between are skipped), or null after the timeout. */
        <T extends DhtMessage> T next(Class<T> kind) throws IOException {
            byte[] buf = new byte[2048];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                DhtMessage m = DhtMessage.decode(ByteBuffer.wrap(buf, 0, p.getLength()));
                if (kind.isInstance(m)) {
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
        try (Client a = new Client(1); Client b = new Client(2)) {
            a.register(false, 0x0a000001, 24);
            DhtMessage.Welcome w = a.next(DhtMessage.Welcome.class);
            assertEquals(a.address(), w.reflexive(), "the address the server saw");
            assertEquals(BootstrapServer.REFRESH_SECONDS, w.refreshSeconds());

            b.register(false, 0x0a000002, 24);
            assertEquals(b.address(), b.next(DhtMessage.Welcome.class).reflexive());
            DhtMessage.Peers toB = b.next(DhtMessage.Peers.class);
            assertArrayEquals(a.key, toB.members().get(0).staticKey());
            assertEquals(List.of(new InetSocketAddress("192.168.5.5", 7000), a.address()), toB.members().get(0).endpoints(),
                    "local endpoints first, the reflexive one last");
            DhtMessage.Peers toA = a.next(DhtMessage.Peers.class);
            assertArrayEquals(b.key, toA.members().get(0).staticKey(), "the newcomer is pushed to the others");
            assertEquals(2, server.members());

            b.send(new DhtMessage.Leave(NET, b.key));
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
            assertTrue(gone != null, "and a was told");
            assertArrayEquals(b.key, gone.staticKeys().get(0));
        }
    }

    @Test
    void oneSourcePrefixCannotFillTheServerForEveryone() throws Exception {
        start();
        try (DatagramSocket flood = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                Client honest = new Client(7, new InetSocketAddress("127.0.1.1", 0))) {
            ByteBuffer b = ByteBuffer.allocate(1452);
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < 3000; i++) { // random networks and keys, all from 127.0.0.0/24
                byte[] net = new byte[16];
                byte[] key = new byte[32];
                r.nextBytes(net);
                r.nextBytes(key);
                b.clear();
                DhtMessage.encode(new DhtMessage.Register(net, key, List.of(), false, 0, 0), b);
                flood.send(new DatagramPacket(b.array(), b.position(), server.address()));
            }
            org.awaitility.Awaitility.await("the flood was read").atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> server.refusedByQuota() + server.members() >= 1000); // well past the quota, whatever loopback drops
            assertTrue(server.members() <= BootstrapServer.NETWORKS_PER_PREFIX, "at most its quota of networks (one member"
                    + " each): " + server.members());
            honest.register(false, 0x0a000001, 24);
            assertTrue(honest.next(DhtMessage.Welcome.class) != null, "a member from elsewhere still registers");
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
        try (Client a = new Client(1)) {
            a.register(false, 0x0a000001, 24);
            assertTrue(a.next(DhtMessage.Welcome.class) != null, "the server still answers");
        }
        assertTrue(said.stream().anyMatch(l -> l.contains("InternalError: as under a flood")), said.toString());
    }

    @Test
    void addressesAreHandedOutOnceAndKeptByTheirMembers() throws Exception {
        start();
        try (Client fixed = new Client(1); Client x = new Client(2); Client y = new Client(3)) {
            fixed.register(false, 0x0a2a0001, 24); // 10.42.0.1/24: the network's subnet
            fixed.next(DhtMessage.Welcome.class);
            x.register(true, 0, 0);
            int ax = x.next(DhtMessage.Welcome.class).address();
            y.register(true, 0, 0);
            int ay = y.next(DhtMessage.Welcome.class).address();
            assertEquals(0x0a2a0000, ax & 0xffffff00, "in the subnet of the member with an address");
            assertEquals(0x0a2a0000, ay & 0xffffff00);
            assertNotEquals(0x0a2a0001, ax, "never the address a member has");
            assertNotEquals(ax, ay, "two members never get the same address");
            x.register(true, 0, 0);
            assertEquals(ax, x.next(DhtMessage.Welcome.class).address(), "a member keeps its address");

            server.close(); // a restart: soft state is gone
            server = BootstrapServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.address().getPort()),
                    clock::get, m -> { });
            y.register(true, ay, 24); // asks for the one it had
            assertEquals(ay, y.next(DhtMessage.Welcome.class).address(), "and gets it back after the server restarted");
        }
    }

    @Test
    void rendezvousPassesOnlyBetweenMembersAndIsRateLimited() throws Exception {
        start();
        try (Client a = new Client(1); Client b = new Client(2); Client outsider = new Client(3)) {
            a.register(false, 0, 0);
            b.register(false, 0, 0);
            a.next(DhtMessage.Welcome.class);
            b.next(DhtMessage.Welcome.class);
            a.send(new DhtMessage.Relay(NET, b.key, new byte[] {42}));
            DhtMessage.Relay got = b.next(DhtMessage.Relay.class);
            assertArrayEquals(a.key, got.staticKey(), "names the sender");
            assertArrayEquals(new byte[] {42}, got.payload());

            outsider.send(new DhtMessage.Relay(NET, b.key, new byte[] {7}));
            for (int i = 0; i < 100; i++) {
                a.send(new DhtMessage.Relay(NET, b.key, new byte[] {(byte) i}));
            }
            int passed = 0;
            b.socket.setSoTimeout(500);
            for (DhtMessage.Relay r = b.next(DhtMessage.Relay.class); r != null; r = b.next(DhtMessage.Relay.class)) {
                assertArrayEquals(a.key, r.staticKey(), "nothing from the outsider");
                passed++;
            }
            assertTrue(passed <= BootstrapServer.RELAYS_PER_SECOND + 1, passed + " passed");
            assertTrue(passed >= BootstrapServer.RELAYS_PER_SECOND - 1, passed + " passed");
            outsider.socket.setSoTimeout(300);
            assertNull(outsider.next(DhtMessage.Peers.class), "the outsider learned nothing");
        }
    }
}
