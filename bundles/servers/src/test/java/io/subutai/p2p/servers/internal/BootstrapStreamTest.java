package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.subutai.p2p.servers.internal.StreamClient.Mode;
import io.subutai.p2p.wire.KeyAgreement;
import io.subutai.p2p.wire.dht.DhtMessage;

/**
 * The bootstrap server's stream port over real sockets on loopback, with a relay that takes
 * streams too and announces itself: a member over a stream registers without a cookie, is shown
 * with port 0, and is offered the relay's stream port; UDP members see it as such.
 */
class BootstrapStreamTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final byte[] NET = new byte[16];

    @TempDir
    Path state;

    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private BootstrapServer server;
    private RelayServer relay;

    @BeforeEach
    void start() throws IOException {
        server = BootstrapServer.start(new InetSocketAddress(LOOPBACK, 0), clock::get, m -> { }, ServerKey.ephemeral(),
                List.of(), StreamOptions.of(new InetSocketAddress(LOOPBACK, 0), TlsIdentity.selfSigned(state.resolve("dht")), "/p2p"));
        relay = RelayServer.start(new InetSocketAddress(LOOPBACK, 0), 1_000_000_000L, 0, clock::get, m -> { },
                List.of(server.address()),
                StreamOptions.of(new InetSocketAddress(LOOPBACK, 0), TlsIdentity.selfSigned(state.resolve("relay")), "/p2p"));
        clock.addAndGet(2_000_000_000L); // the relay announces itself at its next tick
        Awaitility.await("the relay announced itself").atMost(Duration.ofSeconds(5)).until(() -> server.relays() == 1);
    }

    @AfterEach
    void stop() {
        relay.close();
        server.close();
    }

    /** The next message of {@code kind} down {@code c} for {@code m} (MACed for it, but COOKIE), skipping others; null at the end. */
    private static <T extends DhtMessage> T next(StreamClient c, TestMember m, Class<T> kind) throws IOException {
        while (true) {
            byte[] d = c.receive();
            if (d == null) {
                return null;
            }
            DhtMessage msg = DhtMessage.decode(ByteBuffer.wrap(d));
            if (kind.isInstance(msg) && (msg instanceof DhtMessage.Cookie || m.authentic(d))) {
                return kind.cast(msg);
            }
        }
    }

    /** A member over UDP: the cookie, then its registration; returns its socket. */
    private DatagramSocket udpMember(TestMember m) throws IOException {
        DatagramSocket s = new DatagramSocket(0, LOOPBACK);
        s.setSoTimeout(3000);
        send(s, m.register(false, 0, 0));
        m.learn(next(s, m, DhtMessage.Cookie.class));
        send(s, m.register(false, 0, 0));
        return s;
    }

    private void send(DatagramSocket s, byte[] d) throws IOException {
        s.send(new DatagramPacket(d, d.length, server.address()));
    }

    private static <T extends DhtMessage> T next(DatagramSocket s, TestMember m, Class<T> kind) throws IOException {
        byte[] buf = new byte[2048];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            byte[] d = Arrays.copyOf(buf, p.getLength());
            DhtMessage msg = DhtMessage.decode(ByteBuffer.wrap(d));
            if (kind.isInstance(msg) && (msg instanceof DhtMessage.Cookie || m.authentic(d))) {
                return kind.cast(msg);
            }
        }
    }

    @Test
    void aMemberOnAStreamRegistersWithoutACookieIsShownWithPortZeroAndOfferedTheRelaysStreamPort() throws Exception {
        TestMember s = new TestMember(NET);
        s.agreed = KeyAgreement.agree(s.privateKey, s.key, server.key().publicKey(), DhtMessage.AGREEMENT_LABEL); // pinned
        try (StreamClient c = StreamClient.connect(server.streamAddress(), Mode.TLS_WEBSOCKET, "/p2p")) {
            c.send(s.register(false, 0, 0)); // no cookie
            DhtMessage.Relays relays = next(c, s, DhtMessage.Relays.class);
            assertNotNull(relays, "registered at once");
            DhtMessage.Relay offered = relays.relays().get(0);
            assertEquals(relay.address(), offered.address());
            assertEquals(relay.streamAddress().getPort(), offered.streamPort(), "the relay is offered with its stream port");
            assertArrayEquals(relay.certificate(), offered.certificate(), "and its certificate's SHA-256");
            DhtMessage.Welcome welcome = next(c, s, DhtMessage.Welcome.class);
            assertEquals(new InetSocketAddress(LOOPBACK, 0), welcome.reflexive(), "its address, port 0: it came over a stream");

            TestMember u = new TestMember(NET);
            try (DatagramSocket udp = udpMember(u)) {
                DhtMessage.Peers peers = next(udp, u, DhtMessage.Peers.class);
                assertArrayEquals(s.key, peers.members().get(0).signed().record().staticKey());
                assertEquals(new InetSocketAddress(LOOPBACK, 0), peers.members().get(0).reflexive(),
                        "a UDP member sees the stream member with port 0");
                DhtMessage.Peers toStream = next(c, s, DhtMessage.Peers.class);
                assertArrayEquals(u.key, toStream.members().get(0).signed().record().staticKey(),
                        "the stream member hears of the newcomer down its stream");
                assertEquals(udp.getLocalSocketAddress(), toStream.members().get(0).reflexive());
            }
        }
    }

    @Test
    void aMemberOnAStreamThatDoesNotKnowTheServersKeyLearnsItFromACookie() throws Exception {
        TestMember s = new TestMember(NET);
        try (StreamClient c = StreamClient.connect(server.streamAddress(), Mode.PLAIN, "/p2p")) {
            c.send(s.register(false, 0, 0)); // no key, so no MAC: unproven
            DhtMessage.Cookie cookie = next(c, s, DhtMessage.Cookie.class);
            assertArrayEquals(server.key().publicKey(), cookie.serverKey());
            s.learn(cookie);
            c.send(s.register(false, 0, 0));
            assertEquals(0, next(c, s, DhtMessage.Welcome.class).reflexive().getPort());
            assertEquals(1, server.members());
        }
    }

    @Test
    void aMemberWhoseStreamEndedIsSilentAndForgotten() throws Exception {
        TestMember s = new TestMember(NET);
        s.agreed = KeyAgreement.agree(s.privateKey, s.key, server.key().publicKey(), DhtMessage.AGREEMENT_LABEL);
        TestMember u = new TestMember(NET);
        try (DatagramSocket udp = udpMember(u)) {
            next(udp, u, DhtMessage.Welcome.class);
            try (StreamClient c = StreamClient.connect(server.streamAddress(), Mode.WEBSOCKET, "/p2p")) {
                c.send(s.register(false, 0, 0));
                assertNotNull(next(c, s, DhtMessage.Welcome.class));
                assertNotNull(next(udp, u, DhtMessage.Peers.class));
            }
            Awaitility.await("the stream is gone").atMost(Duration.ofSeconds(5)).until(() -> server.streams() == 0);
            send(udp, u.register(false, 0, 0)); // the others go on as before: nothing for s is sent over UDP
            assertNotNull(next(udp, u, DhtMessage.Welcome.class));
            clock.addAndGet(20_000_000_000L);
            send(udp, u.register(false, 0, 0));
            next(udp, u, DhtMessage.Welcome.class);
            clock.addAndGet(20_000_000_000L);
            Awaitility.await("forgotten as any silent member").atMost(Duration.ofSeconds(10)).until(() -> server.members() == 1);
            assertArrayEquals(s.key, next(udp, u, DhtMessage.Gone.class).staticKeys().get(0));
        }
    }
}
