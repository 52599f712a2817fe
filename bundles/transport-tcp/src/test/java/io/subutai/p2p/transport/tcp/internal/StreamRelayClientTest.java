package io.subutai.p2p.transport.tcp.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Path;
import io.subutai.p2p.spi.RelayOffer;
import io.subutai.p2p.spi.Scheduler;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;
import io.subutai.p2p.wire.relay.RelayMessage;

/** The relay client over a stream, against a fake relay (RELAY messages over {@link TestServer}) on loopback. */
class StreamRelayClientTest {

    private static final String NETWORK = "00112233445566778899aabbccddeeff";
    private static final InetSocketAddress RELAY = new InetSocketAddress("127.0.0.1", 6882);

    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final TcpTransport transport = new TcpTransport(Recorder.log(logged), Map.of(), LinkTest.QUICK, true);
    private final Member member = new Member();
    private final FakeRelay relay = new FakeRelay();
    private TestServer server;

    @AfterEach
    void tearDown() {
        transport.deactivate();
        member.thread.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    /** A relay that asks for a cookie first (once), gives handle 40000, and notes what it is sent. */
    private static final class FakeRelay implements TestServer.Handler {
        final byte[] cookie = new byte[RelayMessage.TOKEN];
        final byte[] secret = new byte[RelayMessage.TOKEN];
        final List<Integer> ops = new CopyOnWriteArrayList<>();
        final List<Integer> sendsTo = new CopyOnWriteArrayList<>();
        final List<byte[]> sends = new CopyOnWriteArrayList<>();
        final List<Boolean> proofs = new CopyOnWriteArrayList<>();
        volatile int handle = 40_000;
        volatile TestServer.Stream stream;

        FakeRelay() {
            new SecureRandom().nextBytes(cookie);
            new SecureRandom().nextBytes(secret);
        }

        @Override
        public void datagram(TestServer.Stream from, byte[] d) {
            stream = from;
            ByteBuffer b = ByteBuffer.wrap(d);
            int op = RelayMessage.op(b);
            ops.add(op);
            if (op == RelayMessage.OP_SEND) {
                sendsTo.add(RelayMessage.handle(b));
                sends.add(Arrays.copyOfRange(d, RelayMessage.ENVELOPE, d.length));
                return;
            }
            RelayMessage m = RelayMessage.decode(b);
            if (op == RelayMessage.OP_ALLOCATE) {
                if (Arrays.equals(m.token(), new byte[RelayMessage.TOKEN])) {
                    send(from, RelayMessage.cookie(cookie));
                } else if (Arrays.equals(m.token(), cookie)) {
                    send(from, RelayMessage.allocated(m.networkId(), m.staticKey(), handle, 30, secret));
                }
            } else if (op == RelayMessage.OP_REFRESH || op == RelayMessage.OP_RELEASE) {
                proofs.add(m.proves(secret) && m.handle() == handle);
                if (op == RelayMessage.OP_REFRESH) {
                    send(from, RelayMessage.allocated(HexFormat.of().parseHex(NETWORK), MEMBER_KEY, handle, 30, secret));
                }
            }
        }

        static void send(TestServer.Stream to, RelayMessage m) {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
            m.encode(b);
            to.send(Arrays.copyOf(b.array(), b.position()));
        }

        void from(int sender, byte[] payload) {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ENVELOPE + payload.length);
            RelayMessage.envelope(b, RelayMessage.OP_FROM, sender);
            b.put(payload);
            stream.send(b.array());
        }
    }

    private static final byte[] MEMBER_KEY = new byte[32];

    static {
        MEMBER_KEY[0] = 7;
    }

    /** The engine's side: a socket whose thread runs what is handed to it, a timer the test runs by hand. */
    private static final class Member implements TransportContext, DatagramPort, Scheduler {
        final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-socket"));
        final List<List<InetSocketAddress>> announced = new CopyOnWriteArrayList<>();
        final List<Object[]> delivered = new CopyOnWriteArrayList<>();
        final List<Runnable> timers = new CopyOnWriteArrayList<>();

        List<InetSocketAddress> lastAnnounced() {
            return announced.isEmpty() ? null : announced.get(announced.size() - 1);
        }

        @Override
        public String networkId() {
            return NETWORK;
        }

        @Override
        public byte[] staticKey() {
            return MEMBER_KEY.clone();
        }

        @Override
        public DatagramPort socket() {
            return this;
        }

        @Override
        public Scheduler scheduler() {
            return this;
        }

        @Override
        public void announce(List<InetSocketAddress> endpoints) {
            announced.add(List.copyOf(endpoints));
        }

        @Override
        public void deliver(InetSocketAddress from, ByteBuffer datagram) {
            byte[] b = new byte[datagram.remaining()];
            datagram.duplicate().get(b);
            delivered.add(new Object[] {from, b, Thread.currentThread().getName()});
        }

        @Override
        public void execute(Runnable task) {
            thread.execute(task);
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public void send(InetSocketAddress to, ByteBuffer datagram) {
            throw new AssertionError("nothing goes out over UDP");
        }

        @Override
        public AutoCloseable register(int type, DatagramHandler handler) {
            throw new AssertionError("the stream client registers nothing on the socket");
        }

        @Override
        public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
            assertEquals(StreamRelayClient.REFRESH_SECONDS, unit.toSeconds(delay));
            timers.add(task);
            return () -> timers.remove(task);
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        /** Runs the refresh that is due. */
        void tick() {
            Runnable t = timers.remove(0);
            t.run();
        }
    }

    private RelayOffer offer() throws Exception {
        return new RelayOffer(RELAY, server.port(), TestServer.sha256(TestServer.certificate()));
    }

    @Test
    void allocatesOverTheStreamAndCarriesDatagramsBothWays() throws Exception {
        server = new TestServer(TestServer.certificate(), false, relay, 0);
        TransportSession session = transport.attach(member);
        session.relaysOffered(List.of(RelayOffer.udp(new InetSocketAddress("127.0.0.2", 6882)), offer()));

        await().until(() -> List.of(new InetSocketAddress("127.0.0.1", 40_000)).equals(member.lastAnnounced()));
        assertEquals(List.of(RelayMessage.OP_ALLOCATE, RelayMessage.OP_ALLOCATE), relay.ops); // the cookie was echoed once
        assertEquals(List.of("websocket"), server.kinds);

        Path path = session.route(new InetSocketAddress("127.0.0.1", 40_001));
        assertEquals(PathKind.RELAY_TCP, path.kind());
        assertEquals(new InetSocketAddress("127.0.0.1", server.port()), path.via());
        assertTrue(path.ready());
        assertNull(session.route(RELAY)); // the relay itself
        assertNull(session.route(new InetSocketAddress("127.0.0.2", 40_001))); // a relay over UDP only
        assertNull(session.route(new InetSocketAddress("192.0.2.9", 40_001)));

        path.send(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        await().until(() -> relay.sends.size() == 1);
        assertEquals(List.of(40_001), relay.sendsTo);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, relay.sends.get(0));

        relay.from(40_001, new byte[] {9, 8, 7});
        await().until(() -> member.delivered.size() == 1);
        Object[] d = member.delivered.get(0);
        assertEquals(new InetSocketAddress("127.0.0.1", 40_001), d[0]);
        assertArrayEquals(new byte[] {9, 8, 7}, (byte[]) d[1]);
        assertEquals("test-socket", d[2]); // handed to the socket's thread, never delivered from the stream's

        member.tick();
        await().until(() -> relay.proofs.size() == 1);
        assertTrue(relay.proofs.get(0), "the refresh proves the secret");
        assertEquals(RelayMessage.OP_REFRESH, relay.ops.get(relay.ops.size() - 1));
        assertEquals(1, member.timers.size()); // the next one

        List<String> lines = session.describe();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("relay-tcp " + RELAY.getAddress().getHostAddress() + ":" + RELAY.getPort() + ": wss://127.0.0.1:" + server.port() + "/p2p: connected, wss,"),
                lines.get(0));
        assertTrue(lines.get(0).endsWith(", handle 40000"), lines.get(0));
        session.close();
        await().until(() -> relay.proofs.size() == 2); // RELEASE, proven
        assertEquals(RelayMessage.OP_RELEASE, relay.ops.get(relay.ops.size() - 1));
        assertTrue(member.timers.isEmpty());
    }

    @Test
    void aLinkThatGoesDownVoidsItsHandleUntilItIsBack() throws Exception {
        server = new TestServer(TestServer.certificate(), false, relay, 0);
        TransportSession session = transport.attach(member);
        session.relaysOffered(List.of(offer()));
        InetSocketAddress handle = new InetSocketAddress("127.0.0.1", 40_000);
        await().until(() -> List.of(handle).equals(member.lastAnnounced()));
        Path before = session.route(new InetSocketAddress("127.0.0.1", 40_001));

        relay.handle = 40_002; // the relay forgets a stream's allocation when it closes
        server.dropStreams();
        await().until(() -> List.of().equals(member.lastAnnounced()));
        assertFalse(before.ready());
        await().until(() -> List.of(new InetSocketAddress("127.0.0.1", 40_002)).equals(member.lastAnnounced()));
        assertTrue(session.route(new InetSocketAddress("127.0.0.1", 40_001)).ready());
        session.close();
    }

    @Test
    void keepsLinksToTheFirstThreeRelaysThatTakeStreamsAndDropsThoseNoLongerOffered() throws Exception {
        server = new TestServer(TestServer.certificate(), false, relay, 0);
        TransportSession session = transport.attach(member);
        List<RelayOffer> offers = new ArrayList<>(List.of(offer()));
        for (int i = 2; i <= 4; i++) {
            offers.add(new RelayOffer(new InetSocketAddress("127.0.0." + i, 6882), 9, null)); // nothing listens there
        }
        session.relaysOffered(offers);
        await().until(() -> List.of(new InetSocketAddress("127.0.0.1", 40_000)).equals(member.lastAnnounced()));
        assertEquals(3, session.describe().size(), session.describe().toString());
        assertNull(session.route(new InetSocketAddress("127.0.0.4", 40_001)));

        session.relaysOffered(offers.subList(1, 4)); // the one that works is gone
        await().until(() -> relay.proofs.size() == 1 && relay.proofs.get(0)); // released with proof
        await().until(() -> List.of().equals(member.lastAnnounced()));
        assertNull(session.route(new InetSocketAddress("127.0.0.1", 40_001)));
        assertTrue(session.route(new InetSocketAddress("127.0.0.4", 40_001)).kind() == PathKind.RELAY_TCP);
        assertFalse(session.route(new InetSocketAddress("127.0.0.4", 40_001)).ready());
        session.close();
    }

    @Test
    void anAllocationWithAHandleOfAUdpMemberIsNotTaken() throws Exception {
        relay.handle = 5;
        server = new TestServer(TestServer.certificate(), false, relay, 0);
        TransportSession session = transport.attach(member);
        session.relaysOffered(List.of(offer()));
        await().until(() -> relay.ops.size() == 2);
        member.tick(); // asks again: still no allocation is held
        await().until(() -> relay.ops.size() == 4);
        assertTrue(member.announced.isEmpty());
        assertFalse(session.route(new InetSocketAddress("127.0.0.1", 40_001)).ready());
        session.close();
    }
}
