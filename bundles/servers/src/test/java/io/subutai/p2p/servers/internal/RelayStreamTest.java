package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.subutai.p2p.servers.internal.StreamClient.Mode;
import io.subutai.p2p.wire.relay.RelayMessage;
import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * The relay's stream port over real sockets on loopback: clients on each kind of stream, what it
 * refuses, the bridge between its UDP and its stream members, and what a slow or silent client
 * costs it.
 */
class RelayStreamTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final byte[] NET = new byte[16];

    @TempDir
    Path state;

    private final AtomicLong clock = new AtomicLong(5_000_000_000_000L);
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private RelayServer relay;

    private void start(Duration handshake, Duration idle) throws IOException {
        StreamOptions streams = StreamOptions.of(new InetSocketAddress(LOOPBACK, 0), TlsIdentity.selfSigned(state), "/p2p")
                .withTimes(handshake, idle);
        relay = RelayServer.start(new InetSocketAddress(LOOPBACK, 0), 1_000_000_000_000L, 0, clock::get, logged::add,
                List.of(), streams);
    }

    private void start() throws IOException {
        start(StreamOptions.HANDSHAKE, StreamOptions.IDLE);
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    private static byte[] key(int n) {
        byte[] k = new byte[32];
        k[0] = (byte) n;
        k[1] = (byte) (n >> 8);
        return k;
    }

    private static byte[] bytes(RelayMessage m) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
        m.encode(b);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] send(int handle, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ENVELOPE + data.length);
        RelayMessage.envelope(b, RelayMessage.OP_SEND, handle);
        return b.put(data).array();
    }

    /** ALLOCATE without a cookie down {@code c}: what the relay answers. */
    private static RelayMessage allocate(StreamClient c, int key) throws IOException {
        c.send(bytes(RelayMessage.allocate(NET, key(key), new byte[RelayMessage.TOKEN])));
        byte[] answer = c.receive();
        assertNotNull(answer, "the relay answered before closing");
        return RelayMessage.decode(ByteBuffer.wrap(answer));
    }

    /** A UDP member: a cookie first, then its allocation; returns its socket, its handle in {@code handle[0]}. */
    private DatagramSocket udpMember(int key, int[] handle) throws IOException {
        DatagramSocket s = new DatagramSocket(0, LOOPBACK);
        s.setSoTimeout(3000);
        byte[] cookie = new byte[RelayMessage.TOKEN];
        for (int i = 0; i < 2; i++) {
            byte[] m = bytes(RelayMessage.allocate(NET, key(key), cookie));
            s.send(new DatagramPacket(m, m.length, relay.address()));
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            s.receive(p);
            RelayMessage answer = RelayMessage.decode(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
            cookie = answer.token();
            handle[0] = answer.handle();
        }
        assertTrue(handle[0] >= 1 && handle[0] < RelayMessage.STREAM_HANDLES, "a UDP member's handle: " + handle[0]);
        return s;
    }

    @Test
    void aMemberReachesTheRelayOnEveryKindOfStreamWithoutACookieAndGetsAStreamHandle() throws Exception {
        start();
        assertTrue(logged.contains("TLS certificate SHA-256: " + java.util.HexFormat.of().formatHex(relay.certificate())),
                logged.toString());
        int n = 1;
        for (Mode mode : Mode.values()) {
            try (StreamClient c = StreamClient.connect(relay.streamAddress(), mode, "/p2p")) {
                RelayMessage a = allocate(c, n++);
                assertEquals(RelayMessage.OP_ALLOCATED, a.op(), mode + ": allocated at once, no cookie asked");
                assertTrue(RelayMessage.streamHandle(a.handle()), mode + ": a stream member's handle, not " + a.handle());
                if (mode.tls) {
                    assertArrayEquals(relay.certificate(), c.certificate, "the certificate it announces is the one it shows");
                }
                RelayMessage refreshed = request(c, RelayMessage.proving(RelayMessage.OP_REFRESH, a.handle(), a.token()));
                assertEquals(a.handle(), refreshed.handle(), mode + ": refreshed down the same stream");
            }
        }
        Awaitility.await("each allocation ends with its stream").atMost(Duration.ofSeconds(5)).until(() -> relay.allocations() == 0);
    }

    private static RelayMessage request(StreamClient c, RelayMessage m) throws IOException {
        c.send(bytes(m));
        return RelayMessage.decode(ByteBuffer.wrap(c.receive()));
    }

    /** Everything the server sends on {@code s} until it closes (its reads time out after 3 s: then it did not close). */
    private static String untilClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void garbageOtherPathsAndTextMessagesAreClosed() throws Exception {
        start();
        InetSocketAddress at = relay.streamAddress();
        try (Socket s = StreamClient.raw(at, null)) {
            s.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("", untilClosed(s), "closed, nothing said");
        }
        try (Socket s = StreamClient.raw(at, null)) {
            s.getOutputStream().write("GET /other HTTP/1.1\r\nHost: relay\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = untilClosed(s);
            assertTrue(answer.startsWith("HTTP/1.1 404 Not Found\r\n"), answer);
            assertTrue(answer.endsWith("404 page not found\n"), "what any web server says: " + answer);
        }
        try (Socket s = StreamClient.raw(at, null)) {
            s.getOutputStream().write("GET /p2p HTTP/1.1\r\nHost: relay\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(untilClosed(s).startsWith("HTTP/1.1 404"), "the path, but no upgrade: 404 too");
        }
        try (Socket raw = StreamClient.raw(at, null);
                Socket tls = StreamClient.trustingAnyone().getSocketFactory().createSocket(raw, "relay", at.getPort(), true)) {
            tls.setSoTimeout(3000);
            tls.getOutputStream().write("inside TLS, neither HTTP nor the preamble".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, tls.getInputStream().read(), "closed after TLS, too");
        }
        try (StreamClient c = StreamClient.connect(at, Mode.WEBSOCKET, "/p2p")) {
            c.write(StreamClient.webSocketFrame(1, "a text message".getBytes(StandardCharsets.US_ASCII)));
            assertNull(c.receive(), "a text message closes it");
        }
        assertEquals(0, relay.allocations());
    }

    @Test
    void theRelayBridgesItsUdpAndItsStreamMembersUntilTheStreamCloses() throws Exception {
        start();
        int[] u = new int[1];
        try (DatagramSocket udp = udpMember(1, u)) {
            int s;
            try (StreamClient c = StreamClient.connect(relay.streamAddress(), Mode.TLS_WEBSOCKET, "/p2p")) {
                s = allocate(c, 2).handle();
                assertEquals(2, relay.allocations());

                byte[] toStream = send(s, "from UDP".getBytes(StandardCharsets.US_ASCII));
                udp.send(new DatagramPacket(toStream, toStream.length, relay.address()));
                ByteBuffer from = ByteBuffer.wrap(c.receive());
                assertEquals(RelayMessage.OP_FROM, RelayMessage.op(from));
                assertEquals(u[0], RelayMessage.handle(from), "the stream member learns the UDP member's handle");
                assertEquals("from UDP", new String(from.array(), RelayMessage.ENVELOPE, from.remaining() - RelayMessage.ENVELOPE,
                        StandardCharsets.US_ASCII));

                c.send(send(u[0], "from the stream".getBytes(StandardCharsets.US_ASCII)));
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                udp.receive(p);
                ByteBuffer back = ByteBuffer.wrap(p.getData(), 0, p.getLength());
                assertEquals(relay.address().getPort(), p.getPort(), "from the relay's one UDP port");
                assertEquals(RelayMessage.OP_FROM, RelayMessage.op(back));
                assertEquals(s, RelayMessage.handle(back), "and the UDP member the stream member's");
                assertEquals("from the stream", new String(p.getData(), RelayMessage.ENVELOPE, p.getLength() - RelayMessage.ENVELOPE,
                        StandardCharsets.US_ASCII));
            }
            Awaitility.await("the stream's allocation ends with it").atMost(Duration.ofSeconds(5))
                    .until(() -> relay.allocations() == 1);
            long dropped = relay.dropped();
            byte[] late = send(s, "too late".getBytes(StandardCharsets.US_ASCII));
            udp.send(new DatagramPacket(late, late.length, relay.address()));
            Awaitility.await("its handle leads nowhere").atMost(Duration.ofSeconds(5)).until(() -> relay.dropped() == dropped + 1);
        }
    }

    @Test
    void udpFromAStreamsAddressIsDroppedNotTakenForIt() throws Exception {
        start();
        try (StreamClient c = StreamClient.connect(relay.streamAddress(), Mode.PLAIN, "/p2p")) {
            allocate(c, 1);
            try (DatagramSocket spoof = new DatagramSocket(new InetSocketAddress(LOOPBACK, c.socket.getLocalPort()))) {
                spoof.setSoTimeout(500);
                byte[] m = bytes(RelayMessage.allocate(NET, key(2), new byte[RelayMessage.TOKEN]));
                spoof.send(new DatagramPacket(m, m.length, relay.address()));
                Awaitility.await("counted").atMost(Duration.ofSeconds(5)).until(() -> relay.shadowed() == 1);
                assertNothingComes(spoof);
            }
            assertEquals(1, relay.allocations());
        }
    }

    private static void assertNothingComes(DatagramSocket s) throws IOException {
        try {
            s.receive(new DatagramPacket(new byte[100], 100));
            throw new AssertionError("answered: not even a cookie goes to a stream's address over UDP");
        } catch (SocketTimeoutException expected) {
            // nothing came
        }
    }

    @Test
    void aClientThatNeverReadsCostsTheRelayAtMostItsHighWaterMarkAndTheRestIsDropped() throws Exception {
        start();
        int[] u = new int[1];
        try (DatagramSocket udp = udpMember(1, u); Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(relay.streamAddress(), 3000);
            slow.setSoTimeout(3000);
            ByteBuffer hello = ByteBuffer.allocate(100).put(StreamFraming.PREAMBLE);
            byte[] allocate = bytes(RelayMessage.allocate(NET, key(2), new byte[RelayMessage.TOKEN]));
            hello.putShort((short) allocate.length).put(allocate);
            slow.getOutputStream().write(hello.array(), 0, hello.position());
            byte[] answer = new byte[2 + RelayMessage.ALLOCATED_SIZE];
            new java.io.DataInputStream(slow.getInputStream()).readFully(answer);
            int s = RelayMessage.decode(ByteBuffer.wrap(answer, 2, RelayMessage.ALLOCATED_SIZE)).handle();
            InetSocketAddress at = new InetSocketAddress(LOOPBACK, slow.getLocalPort());
            // from now on it reads nothing

            byte[] datagram = send(s, new byte[1400]);
            DatagramPacket p = new DatagramPacket(datagram, datagram.length, relay.address());
            long most = 0;
            for (int burst = 0; burst < 500 && relay.streamDrops() == 0; burst++) {
                for (int i = 0; i < 200; i++) {
                    udp.send(p);
                }
                most = Math.max(most, relay.streamQueued(at));
            }
            assertTrue(relay.streamDrops() > 0, "once its queue is full, datagrams for it are dropped");
            long dropsBefore = relay.streamDrops();
            for (int i = 0; i < 2000; i++) {
                udp.send(p);
                most = Math.max(most, relay.streamQueued(at));
            }
            Awaitility.await("the rest is dropped too, not queued").atMost(Duration.ofSeconds(5))
                    .until(() -> relay.streamDrops() >= dropsBefore + 1000);
            most = Math.max(most, relay.streamQueued(at));
            long bound = StreamOptions.HIGH_WATER + StreamFraming.MAX_DATAGRAM + 2;
            assertTrue(most <= bound, "at most the high water mark and one datagram queued, not " + most);
        }
    }

    @Test
    void aConnectionThatDoesNotSayWhatItSpeaksInTimeIsClosed() throws Exception {
        start(Duration.ofMillis(700), StreamOptions.IDLE);
        try (Socket silent = StreamClient.raw(relay.streamAddress(), null)) {
            long t0 = System.nanoTime();
            assertEquals("", untilClosed(silent));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 600 && ms < 2000, "closed after the handshake time, " + ms + " ms");
        }
        try (Socket halfway = StreamClient.raw(relay.streamAddress(), null)) {
            halfway.getOutputStream().write("GET /p2p HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("", untilClosed(halfway), "an upgrade not finished in time, too");
        }
    }

    @Test
    void aStreamSilentForTheIdleTimeIsClosedAndKeepalivesHoldItOpen() throws Exception {
        start(StreamOptions.HANDSHAKE, Duration.ofMillis(1500));
        try (StreamClient c = StreamClient.connect(relay.streamAddress(), Mode.PLAIN, "/p2p")) {
            for (int i = 0; i < 6; i++) { // 1.8 s of keepalives (zero-length frames), every 0.3 s
                c.write(new byte[2]);
                assertFalse(c.closedWithin(300), "keepalives hold it open");
            }
            assertTrue(c.closedWithin(3000), "silent, it is closed");
        }
    }

    @Test
    void atMost256ConnectionsComeFromOneSourcePrefix() throws Exception {
        start(Duration.ofSeconds(60), StreamOptions.IDLE); // held open, saying nothing, for the whole test
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < StreamOptions.PER_PREFIX; i++) {
                held.add(StreamClient.raw(relay.streamAddress(), null));
            }
            try (Socket one = StreamClient.raw(relay.streamAddress(), null)) {
                assertEquals(-1, one.getInputStream().read(), "connection 257 from 127.0.0.0/24 is closed at once");
            }
            assertEquals(1, relay.streamsRefused());
            try (Socket other = StreamClient.raw(relay.streamAddress(), new InetSocketAddress("127.0.1.1", 0))) {
                other.setSoTimeout(300);
                assertThrows(SocketTimeoutException.class, () -> other.getInputStream().read(),
                        "another prefix is let in");
            }
            held.remove(0).close();
            Awaitility.await("one gone, one more is let in").atMost(Duration.ofSeconds(5)).until(() -> {
                try (Socket again = StreamClient.raw(relay.streamAddress(), null)) {
                    again.setSoTimeout(300);
                    again.getInputStream().read();
                    return false;
                } catch (SocketTimeoutException e) {
                    return true;
                }
            });
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void closingTheRelayStopsItsStreamThreadsAndFreesItsTcpPort() throws Exception {
        start();
        InetSocketAddress at = relay.streamAddress();
        try (StreamClient c = StreamClient.connect(at, Mode.PLAIN, "/p2p")) {
            allocate(c, 1);
            assertTrue(threads() > 0);
            relay.close();
            assertNull(c.receive(), "its streams are closed");
        }
        relay = null;
        Awaitility.await("no stream thread survives").atMost(Duration.ofSeconds(3)).until(() -> threads() == 0);
        try (java.net.ServerSocket again = new java.net.ServerSocket(at.getPort(), 1, LOOPBACK)) {
            assertEquals(at.getPort(), again.getLocalPort(), "the port is free");
        }
    }

    @Test
    void aStreamPortThatCannotListenStopsTheStartAndLeavesNothingBehind() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, LOOPBACK);
                DatagramSocket probe = new DatagramSocket(0, LOOPBACK)) {
            InetSocketAddress udp = (InetSocketAddress) probe.getLocalSocketAddress();
            probe.close();
            StreamOptions streams = StreamOptions.of(new InetSocketAddress(LOOPBACK, taken.getLocalPort()),
                    TlsIdentity.selfSigned(state), "/p2p");
            IOException e = assertThrows(IOException.class, () -> RelayServer.start(udp, 1_000_000, 0, clock::get, logged::add,
                    List.of(), streams));
            assertTrue(e.getMessage().startsWith("cannot listen on TCP " + streams.listen()), e.getMessage());
            try (DatagramSocket again = new DatagramSocket(udp)) {
                assertEquals(udp.getPort(), again.getLocalPort(), "its UDP port is free again");
            }
            Awaitility.await("no stream thread is left").atMost(Duration.ofSeconds(3)).until(() -> threads() == 0);
        }
    }

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("p2p-proxy-server-tcp-")).count();
    }
}
