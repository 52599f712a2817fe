package io.subutai.p2p.transport.tcp.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.subutai.p2p.spi.StreamTarget;

/** Links over real sockets on loopback, against {@link TestServer} and {@link TestProxies}. */
class LinkTest {

    /** The defaults, but retries after 0.2 s (up to 1 s), so that tests of failures run quickly. */
    static final Timing QUICK = new Timing(Duration.ofSeconds(10), Duration.ofSeconds(25), Duration.ofSeconds(90),
            Duration.ofMillis(200), Duration.ofSeconds(1));

    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private TcpTransport transport;

    private TcpTransport transport(Map<String, String> environment, Timing timing, boolean nativeTransport) {
        transport = new TcpTransport(Recorder.log(logged), environment, timing, nativeTransport);
        return transport;
    }

    private <T extends AutoCloseable> T closing(T c) {
        closing.add(0, c);
        return c;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (transport != null) {
            transport.deactivate();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private static byte[] datagram(int i, int size) {
        byte[] d = new byte[size];
        for (int j = 0; j < size; j++) {
            d[j] = (byte) (i * 31 + j);
        }
        return d;
    }

    /** Sends 200 datagrams of 1 to 1400 bytes (20 at a time, within the link's queue) and takes the echoes in order. */
    private static void echoes(Link link, Recorder r) throws InterruptedException {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] d = datagram(i, 1 + i * 37 % 1400);
            assertTrue(link.send(ByteBuffer.wrap(d)), "send " + i + ": " + link.describe());
            sent.add(d);
            if (sent.size() == 20) {
                for (byte[] s : sent) {
                    assertArrayEquals(s, r.take());
                }
                sent.clear();
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"wss, true, wss, websocket", "ws, true, ws, websocket", "tls, true, tls+plain, plain",
        "tcp, true, tcp, plain", "wss, false, wss, websocket", "tcp, false, tcp, plain"})
    void aLinkOfEachKindCarriesDatagramsBothWaysInOrder(String scheme, boolean epoll, String way, String kind) throws Exception {
        boolean tls = scheme.equals("wss") || scheme.equals("tls");
        TestServer server = closing(TestServer.echo(tls));
        Recorder r = new Recorder();
        Link link = transport(Map.of(), QUICK, epoll).open(new StreamTarget(scheme + "://localhost:" + server.port(), null, "", "test"),
                r, Link.Listener.NONE);
        await().until(link::connected);
        assertEquals(epoll, transport.epoll()); // both of Netty's transports are tried

        echoes(link, r);
        assertEquals(List.of(kind), server.kinds);
        assertEquals(new InetSocketAddress("127.0.0.1", server.port()), link.remote());
        assertTrue(r.from.stream().allMatch(link.remote()::equals));
        assertTrue(r.threads.stream().allMatch(t -> t.startsWith("p2p-tcp-")), r.threads.toString());
        String line = link.describe();
        assertTrue(line.startsWith(scheme + "://localhost:" + server.port()), line);
        assertTrue(line.contains(": connected, " + way + ","), line);
        assertTrue(line.contains("sent 200, dropped 0, received 200"), line);
        if (tls) {
            String fingerprint = HexFormat.of().formatHex(TestServer.sha256(TestServer.certificate()), 0, 8);
            assertTrue(line.contains("certificate " + fingerprint + "…"), line);
            assertEquals(List.of("localhost"), server.serverNames); // SNI: the name in the URL
        }
        assertFalse(line.contains("not the one announced"), line);
    }

    @Test
    void anAddressInTheUrlIsNotSentAsServerName() throws Exception {
        TestServer server = closing(TestServer.echo(true));
        Link link = transport(Map.of(), QUICK, true).open(new StreamTarget("wss://127.0.0.1:" + server.port() + "/p2p", null, "", ""),
                new Recorder(), Link.Listener.NONE);
        await().until(link::connected);
        assertEquals(List.of(""), server.serverNames);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "socks5"})
    void throughAProxyWithCredentials(String scheme) throws Exception {
        TestServer server = closing(TestServer.echo(true));
        TestProxies.Proxy proxy = closing(scheme.equals("http") ? new TestProxies.Http("alice", "s3cret:x")
                : new TestProxies.Socks5("alice", "s3cret:x"));
        Recorder r = new Recorder();
        String url = "wss://localhost:" + server.port();
        Link link = transport(Map.of(), QUICK, true).open(new StreamTarget(url, null,
                scheme + "://alice:s3cret%3Ax@127.0.0.1:" + proxy.port(), "test"), r, Link.Listener.NONE);
        await().until(link::connected);

        echoes(link, r);
        assertEquals(List.of("localhost:" + server.port()), proxy.destinations); // the proxy resolves the name
        assertTrue(link.describe().contains("wss via " + scheme + " proxy 127.0.0.1:" + proxy.port()), link.describe());
        assertTrue(proxy.refusals.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "socks5"})
    void aProxyThatRefusesTheCredentialsIsShownAndRetried(String scheme) throws Exception {
        TestServer server = closing(TestServer.echo(false));
        TestProxies.Proxy proxy = closing(scheme.equals("http") ? new TestProxies.Http("alice", "right")
                : new TestProxies.Socks5("alice", "right"));
        Link link = transport(Map.of(), QUICK, true).open(new StreamTarget("tcp://127.0.0.1:" + server.port(), null,
                scheme + "://alice:wrong@127.0.0.1:" + proxy.port(), "test"), new Recorder(), Link.Listener.NONE);

        await().until(() -> proxy.refusals.size() >= 2); // it tries again
        assertFalse(link.connected());
        await().until(() -> link.describe().contains("waiting"));
        String line = link.describe();
        assertTrue(line.contains(scheme.equals("http") ? "407" : "auth"), line);
        assertFalse(line.contains("wrong"), line); // no password in debug
        assertEquals(0, server.connections.get());
    }

    @ParameterizedTest
    @CsvSource({"HTTPS_PROXY, http://bob:pw@127.0.0.1:", "https_proxy, bob:pw@127.0.0.1:"})
    void theEnvironmentsProxyWhenTheTargetNamesNone(String variable, String value) throws Exception {
        TestServer server = closing(TestServer.echo(true));
        TestProxies.Http proxy = closing(new TestProxies.Http("bob", "pw"));
        Recorder r = new Recorder();
        Link link = transport(Map.of(variable, value + proxy.port()), QUICK, true)
                .open(new StreamTarget("wss://127.0.0.1:" + server.port(), null, "", "test"), r, Link.Listener.NONE);
        await().until(link::connected);

        echoes(link, r);
        assertEquals(List.of("127.0.0.1:" + server.port()), proxy.destinations);
        assertTrue(link.describe().contains("via http proxy 127.0.0.1:" + proxy.port()), link.describe());
    }

    @ParameterizedTest
    @CsvSource({"wss, true, false", "tcp, false, false", "wss, true, true"})
    void aStreamThatCannotKeepUpDropsInsteadOfBuffering(String scheme, boolean epoll, boolean superFrames) throws Exception {
        TestServer server = closing(new TestServer(scheme.equals("wss") ? TestServer.certificate() : null, false, TestServer.ECHO, 0));
        Recorder r = new Recorder();
        Link link = transport(Map.of(), QUICK, epoll).open(new StreamTarget(scheme + "://127.0.0.1:" + server.port(), null, "", ""),
                r, Link.Listener.NONE);
        await().until(() -> link.connected() && server.streams.size() == 1);
        server.pause();

        byte[] d = new byte[1400];
        int taken = 0;
        long most = 0;
        long start = System.nanoTime();
        if (superFrames) { // as a TAP super-frame's segments come: 40 at a time, one task each on the event loop
            byte[] frame = new byte[1400 * 40];
            for (int i = 0; i < 10_000 / 40; i++) {
                link.sendSegments(null, ByteBuffer.wrap(frame), 1400);
                most = Math.max(most, link.queued());
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("dropped (\\d+)").matcher(link.describe());
            assertTrue(m.find(), link.describe());
            taken = 10_000 - Integer.parseInt(m.group(1));
            await().until(() -> link.queued() > 0); // the last task ran
            most = Math.max(most, link.queued());
        }
        for (int i = 0; i < 10_000 && !superFrames; i++) {
            if (link.send(ByteBuffer.wrap(d))) {
                taken++;
            }
            most = Math.max(most, link.queued());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%s: 10000 sends of 1400 bytes in %d ms, %d taken, at most %d bytes queued%n", scheme, millis, taken, most);
        assertTrue(millis < 3000, millis + " ms");
        assertTrue(taken < 5_000, taken + " taken");
        // what waits is at most the high water mark and one datagram, and Netty's bookkeeping (96 bytes a message)
        int high = TcpTransport.WATER_MARK.high();
        assertTrue(most <= high + 1400 + (high / 1400 + 1) * 96, most + " bytes queued");
        assertTrue(link.describe().contains("dropped " + (10_000 - taken)), link.describe());

        server.resume();
        byte[] marker = datagram(7, 99);
        await().until(() -> link.send(ByteBuffer.wrap(marker)));
        await().until(() -> r.datagrams.stream().anyMatch(b -> java.util.Arrays.equals(b, marker)));
        assertEquals(taken + 1, server.datagrams.get()); // what was taken was carried, none lost
    }

    @Test
    void aWssServerThatRefusesTheUpgradeIsReachedOverPlainTls() throws Exception {
        TestServer server = closing(new TestServer(TestServer.certificate(), true, TestServer.ECHO, 0));
        Recorder r = new Recorder();
        Link link = transport(Map.of(), QUICK, true).open(new StreamTarget("wss://localhost:" + server.port() + "/p2p", null, "", ""),
                r, Link.Listener.NONE);
        await().until(link::connected);

        assertEquals(Way.TLS_PLAIN, link.way());
        assertEquals(1, server.refused.get());
        assertEquals(List.of("plain"), server.kinds);
        assertTrue(link.describe().contains("connected, tls+plain"), link.describe());
        echoes(link, r);
    }

    @Test
    void anotherCertificateThanTheAnnouncedOneIsReportedAndTheLinkWorks() throws Exception {
        TestServer server = closing(TestServer.echo(true));
        byte[] announced = TestServer.sha256(TestServer.newCertificate());
        Recorder r = new Recorder();
        Link link = transport(Map.of(), QUICK, true).open(new StreamTarget("wss://127.0.0.1:" + server.port(), announced, "", "relay x"),
                r, Link.Listener.NONE);
        await().until(link::connected);
        echoes(link, r);

        String seen = HexFormat.of().formatHex(TestServer.sha256(TestServer.certificate()), 0, 8);
        String expected = "TLS certificate " + seen + "… is not the one announced (" + HexFormat.of().formatHex(announced, 0, 8)
                + "…): a middlebox terminates TLS?";
        assertTrue(link.describe().endsWith(expected), link.describe());
        server.dropStreams(); // again after a reconnect: still said, logged once
        await().until(() -> server.connections.get() == 2 && link.connected());
        assertTrue(link.describe().endsWith(expected), link.describe());
        assertEquals(1, logged.stream().filter(l -> l.startsWith("WARN relay x: " + expected)).count(), logged.toString());
    }

    @Test
    void theFirstCertificateSeenIsTheOneExpectedWhenNoneWasAnnounced() throws Exception {
        int port;
        Link link;
        try (TestServer first = TestServer.echo(true)) {
            port = first.port();
            link = transport(Map.of(), QUICK, true).open(new StreamTarget("tls://127.0.0.1:" + port, null, "", ""),
                    new Recorder(), Link.Listener.NONE);
            await().until(link::connected);
            assertFalse(link.describe().contains("not the one announced"), link.describe());
        }
        try (TestServer second = new TestServer(TestServer.newCertificate(), false, TestServer.ECHO, port)) {
            await().untilAsserted(() -> assertTrue(link.connected() && link.describe().contains("not the one announced"),
                    link.describe()));
        }
    }

    @Test
    void theLinkComesBackWhenTheServerDoes() throws Exception {
        TestServer server = TestServer.echo(false);
        int port = server.port();
        Recorder r = new Recorder();
        Link link = transport(Map.of(), QUICK, true).open(new StreamTarget("ws://127.0.0.1:" + port + "/p2p", null, "", ""),
                r, Link.Listener.NONE);
        await().until(link::connected);
        server.close();

        await().until(() -> !link.connected() && link.describe().contains("waiting"));
        assertFalse(link.send(ByteBuffer.wrap(new byte[10])));
        try (TestServer again = new TestServer(null, false, TestServer.ECHO, port)) {
            await().until(link::connected);
            echoes(link, r);
        }
    }

    @Test
    void aServerThatIsNotThereIsRetriedWithGrowingWaits() throws Exception {
        TestServer server = TestServer.echo(false);
        int port = server.port();
        server.close();
        Link link = transport(Map.of(), Timing.DEFAULT, true).open(new StreamTarget("tcp://127.0.0.1:" + port, null, "", ""),
                new Recorder(), Link.Listener.NONE);
        await().until(() -> link.describe().contains("waiting 1s after"));
        assertTrue(link.describe().contains("refused"), link.describe());
        await().atMost(Duration.ofSeconds(5)).until(() -> link.describe().contains("waiting 2s after"));
    }

    @Test
    void keepalivesGoOutAndASilentServerIsLeft() throws Exception {
        Timing fast = new Timing(Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofMillis(1500), Duration.ofMillis(100),
                Duration.ofSeconds(1));
        TestServer silent = closing(new TestServer(null, false, (s, d) -> { }, 0)); // never sends
        Link plain = transport(Map.of(), fast, true).open(new StreamTarget("tcp://127.0.0.1:" + silent.port(), null, "", ""),
                new Recorder(), Link.Listener.NONE);
        await().until(() -> silent.keepalives.get() >= 3);
        await().until(() -> silent.connections.get() >= 2); // left after 1.5 s of silence, and connected again
        await().until(plain::connected);

        TestServer answering = closing(new TestServer(null, false, (s, d) -> { }, 0)); // answers pings with pongs
        Link ws = transport.open(new StreamTarget("ws://127.0.0.1:" + answering.port(), null, "", ""), new Recorder(),
                Link.Listener.NONE);
        await().until(ws::connected);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> answering.connections.get() == 1);
        assertTrue(answering.keepalives.get() >= 5, answering.keepalives + " pings");
    }

    @Test
    void urlsAndProxiesThatAreNotUnderstoodAreRefusedWithTheReason() {
        TcpTransport t = transport(Map.of(), QUICK, true);
        var e = assertThrows(IllegalArgumentException.class, () -> t.open(new StreamTarget("198.51.100.1:6882", null, "", ""),
                new Recorder()));
        assertTrue(e.getMessage().contains("over UDP"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.open(new StreamTarget("https://relay.example", null, "", ""),
                new Recorder()));
        assertTrue(e.getMessage().contains("none of wss, ws, tls, tcp"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.open(new StreamTarget("wss://relay.example", null,
                "ftp://proxy:21", ""), new Recorder()));
        assertTrue(e.getMessage().contains("neither http nor socks5"), e.getMessage());
        TcpTransport badEnvironment = new TcpTransport(Recorder.log(logged), Map.of("HTTPS_PROXY", "http://proxy:99999"), QUICK, true);
        try {
            e = assertThrows(IllegalArgumentException.class, () -> badEnvironment.open(new StreamTarget("wss://relay.example",
                    null, "", ""), new Recorder()));
            assertTrue(e.getMessage().startsWith("HTTPS_PROXY: "), e.getMessage());
        } finally {
            badEnvironment.deactivate();
        }
    }

    @Test
    void noThreadOfTheTransportOutlivesIt() throws Exception {
        TestServer server = closing(TestServer.echo(true));
        TcpTransport t = transport(Map.of(), QUICK, true);
        Link a = t.open(new StreamTarget("wss://localhost:" + server.port(), null, "", ""), new Recorder(), Link.Listener.NONE);
        Link b = t.open(new StreamTarget("tls://localhost:" + server.port(), null, "", ""), new Recorder(), Link.Listener.NONE);
        await().until(() -> a.connected() || b.connected());
        assertTrue(threads() > 0);

        t.deactivate();
        transport = null;
        await().until(() -> threads() == 0);
        assertFalse(a.connected());
        assertTrue(a.describe().contains(": closed"), a.describe());
    }

    private static long threads() {
        return Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().startsWith("p2p-tcp-") && x.isAlive()).count();
    }
}
