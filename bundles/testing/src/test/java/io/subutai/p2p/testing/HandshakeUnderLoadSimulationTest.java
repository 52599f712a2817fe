package io.subutai.p2p.testing;

import static io.subutai.p2p.testing.Frames.BROADCAST;
import static io.subutai.p2p.testing.Frames.frame;
import static io.subutai.p2p.testing.Frames.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.core.internal.mesh.Endpoints;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.Macs;
import io.subutai.p2p.core.internal.mesh.Mesh;
import io.subutai.p2p.core.internal.mesh.PeerIds;
import io.subutai.p2p.core.internal.mesh.Routes;
import io.subutai.p2p.core.internal.mesh.Secrets;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;

/**
 * Handshakes under attack (docs/protocol.md §4.6), on the product's timing: floods of garbage and
 * of initiations made for the responder's key, a flood through one relay handle, initiations that
 * fail late, a replayed initiation and a replayed DATA packet. Each node counts the
 * Diffie-Hellman work it does (the handshake messages its suite reads).
 */
class HandshakeUnderLoadSimulationTest {

    /** A HANDSHAKE_INIT of suite 1 offering one AEAD, with its two MACs: the smallest there is. */
    private static final int INIT_MIN = 4 + 4 + 1 + 32 + 32 + 16 + 2 + 16 + 2 * Macs.MAC;
    private static final Duration TWO_SECONDS = Duration.ofSeconds(2);

    private final VirtualClock clock = new VirtualClock(1_800_000_000_000L);
    private final SimNetwork net = new SimNetwork(clock);
    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
    private final byte[] secret = new byte[32];
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private int taps_;

    HandshakeUnderLoadSimulationTest() {
        new Random(3).nextBytes(secret); // a stretched key: no Argon2id in every node of every test
    }

    record Node(int n, MemoryTap tap, SimNetwork.Socket socket, Mesh mesh, StaticKeys keys, AtomicLong dh) {
        long mac() {
            return 0x0600_0000_0000L + n;
        }

        Mesh.Counters counters() {
            return mesh.counters();
        }
    }

    private Node node(int n, SimNetwork.Socket socket, StaticKeys keys, Routes routes) throws Exception {
        MemoryTap tap = (MemoryTap) taps.open(new TapSpec("load" + taps_++, MacAddress.of(Frames.mac(0x0600_0000_0000L + n)),
                1500, Ipv4Cidr.parse("10.10.10." + n)), false);
        clock.settlesWhen(tap::idle);
        KeyQueue key = new KeyQueue();
        key.addStretched(secret, Long.MAX_VALUE);
        AtomicLong dh = new AtomicLong();
        Mesh mesh = Mesh.start(new Mesh.Config("load" + n, tap, socket, routes, Suites.classic(counting(dh)), null, keys,
                key, Logs.into(log, Integer.toString(n)), clock.loop(), Timing.DEFAULT, null, false));
        Node node = new Node(n, tap, socket, mesh, keys, dh);
        nodes.add(node);
        return node;
    }

    /** Two key pairs, the first smaller: its holder is the one that initiates (docs/protocol.md §4.4). */
    private StaticKeys[] ordered() {
        while (true) {
            StaticKeys x = suite.generateKeys();
            StaticKeys y = suite.generateKeys();
            int c = Arrays.compare(x.publicKey(), y.publicKey());
            if (c != 0) {
                return c < 0 ? new StaticKeys[] {x, y} : new StaticKeys[] {y, x};
            }
        }
    }

    /** Nodes 1 and 2 on the LAN, 1 the one that initiates. */
    private Node[] pair() throws Exception {
        StaticKeys[] k = ordered();
        return new Node[] {node(1, net.socket(1), k[0], Routes.NONE), node(2, net.socket(2), k[1], Routes.NONE)};
    }

    /** The classic suite, counting every handshake message it reads: the Diffie-Hellman work. */
    private CryptoSuite counting(AtomicLong dh) {
        return new CryptoSuite() {
            @Override
            public int wireId() {
                return suite.wireId();
            }

            @Override
            public StaticKeys generateKeys() {
                return suite.generateKeys();
            }

            @Override
            public byte[] derivePsk(byte[] networkSecret) {
                return suite.derivePsk(networkSecret);
            }

            @Override
            public Handshake initiate(StaticKeys local, byte[] remoteStatic, byte[] psk) {
                return counted(suite.initiate(local, remoteStatic, psk), dh);
            }

            @Override
            public Handshake respond(StaticKeys local, byte[] psk) {
                return counted(suite.respond(local, psk), dh);
            }
        };
    }

    private static Handshake counted(Handshake h, AtomicLong dh) {
        return new Handshake() {
            @Override
            public void writeMessage(ByteBuffer payload, ByteBuffer out) throws GeneralSecurityException {
                h.writeMessage(payload, out);
            }

            @Override
            public void readMessage(ByteBuffer message, ByteBuffer payloadOut) throws GeneralSecurityException {
                dh.incrementAndGet();
                h.readMessage(message, payloadOut);
            }

            @Override
            public boolean isComplete() {
                return h.isComplete();
            }

            @Override
            public byte[] remoteStaticKey() {
                return h.remoteStaticKey();
            }

            @Override
            public Session split(long nowNanos) {
                return h.split(nowNanos);
            }
        };
    }

    @AfterEach
    void tearDown() {
        for (Node n : nodes) {
            n.mesh().close();
        }
        net.close();
    }

    private static Optional<PeerSnapshot> peer(Node at, Node of) {
        return at.mesh().snapshot(PeerIds.of(of.keys().publicKey()));
    }

    private static boolean connected(Node a, Node b) {
        return peer(a, b).map(p -> p.state() == PeerState.CONNECTED).orElse(false);
    }

    private Duration awaitConnected(Node a, Node b, Duration within) {
        return clock.await(() -> connected(a, b) && connected(b, a), within, a.n() + " and " + b.n() + " connected",
                () -> "last log lines:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())));
    }

    private static InetSocketAddress source(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {100, 64, (byte) (i >> 8), (byte) i}),
                    40_000 + i % 1000);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Random bytes shaped as a HANDSHAKE_INIT of suite 1; with a valid mac1 for {@code to} when it is not null. */
    private static byte[] garbage(Random r, byte[] to) {
        byte[] init = new byte[INIT_MIN];
        r.nextBytes(init);
        ByteBuffer b = ByteBuffer.wrap(init);
        b.put(0, (byte) io.subutai.p2p.wire.Header.VERSION).put(1, (byte) 1).put(2, (byte) 0).put(3, (byte) 0);
        b.put(8, (byte) 1); // the classic suite: what is read costs a Diffie-Hellman
        if (to != null) {
            b.position(INIT_MIN - 2 * Macs.MAC);
            Macs.append(Macs.mac1Key(to), b, 0);
            Macs.append(null, b, 0);
        }
        return init;
    }

    /** {@code perTick} initiations every {@code tickNanos} at {@code to}, from {@code sources} rotating; counts them in {@code sent}. */
    private AutoCloseable flood(Node to, long tickNanos, int perTick, int sources, boolean mac1, AtomicLong sent) {
        Random r = new Random(7);
        return clock.every(() -> {
            for (int k = 0; k < perTick; k++) {
                long i = sent.getAndIncrement();
                net.inject(source((int) (i % sources)), to.socket().localAddress(), garbage(r, mac1 ? to.keys().publicKey() : null));
            }
        }, tickNanos);
    }

    @Test
    void tenThousandGarbageInitiationsASecondFromTenThousandSourcesCostNoDiffieHellmanAndANewPeerConnects() throws Exception {
        Node[] ab = pair();
        Node a = ab[0];
        Node b = ab[1];
        AtomicLong sent = new AtomicLong();
        AutoCloseable f = flood(b, 1_000_000L, 10, 10_000, false, sent); // 10 every millisecond
        clock.advance(Duration.ofSeconds(1));
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress()))); // b does not know a
        Duration took = awaitConnected(a, b, TWO_SECONDS);
        clock.advance(Duration.ofMillis(500));
        f.close();
        clock.advance(Duration.ofMillis(10));
        Mesh.Counters c = b.counters();
        assertTrue(sent.get() >= 10_000, "the flood ran: " + sent.get());
        assertEquals(sent.get(), c.badMac(), "every garbage initiation dropped for its mac1, and nothing else");
        assertEquals(0, c.rateLimited(), "no rate limit was charged: " + c);
        assertEquals(0, c.cookies(), "not under load: garbage does not count");
        assertTrue(b.dh().get() >= 1 && b.dh().get() <= 3, "Diffie-Hellman for the genuine initiation only: " + b.dh().get());
        System.out.println("flood of " + sent.get() + " garbage initiations: connected in " + took.toMillis() + " ms");
    }

    @Test
    void initiationsWithAValidMac1PutTheResponderUnderLoadAndAGenuinePeerConnectsWithItsCookie() throws Exception {
        Node[] ab = pair();
        Node a = ab[0];
        Node b = ab[1];
        AtomicLong sent = new AtomicLong();
        AutoCloseable f = flood(b, 1_000_000L, 10, 10_000, true, sent); // made by someone who knows b's public key
        clock.advance(Duration.ofSeconds(1));
        long dhBefore = b.dh().get();
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress())));
        Duration took = awaitConnected(a, b, TWO_SECONDS);
        long during = b.dh().get() - dhBefore;
        f.close();
        Mesh.Counters c = b.counters();
        assertTrue(c.cookies() > 0, "under load, the responder answers with cookies: " + c);
        assertTrue(c.cookies() <= sent.get(), "one cookie at most per initiation");
        assertEquals(0, c.badMac(), "every initiation had a valid mac1");
        assertTrue(dhBefore <= 2 * 50 + 50 + 1, "before the genuine peer came, the unproven budget alone was read: " + dhBefore);
        assertTrue(during <= 2 * 50 + 2, "while it connected, little more: " + during);
        System.out.println("flood of " + sent.get() + " initiations with mac1: " + c.cookies() + " cookie replies, "
                + b.dh().get() + " Diffie-Hellman reads; connected in " + took.toMillis() + " ms");
    }

    @Test
    void initiationsFromOneRelayHandleDoNotDelayAnotherHandleOfTheSameRelay() throws Exception {
        InetAddress relay = InetAddress.getByName("198.51.100.50");
        Routes relayed = new Routes() {
            @Override
            public InetSocketAddress relayFor(InetSocketAddress to) {
                return to.getAddress().equals(relay) ? new InetSocketAddress(relay, 4000) : null;
            }

            @Override
            public List<InetSocketAddress> guesses(List<InetSocketAddress> mapped) {
                return List.of();
            }

            @Override
            public void open(List<InetSocketAddress> targets) {
            }
        };
        StaticKeys[] k = ordered();
        Node a = node(1, net.publicSocket(50, 2002), k[0], Routes.NONE); // b sees it as relay:2002
        Node b = node(2, net.socket(2), k[1], relayed);
        InetSocketAddress h1 = new InetSocketAddress(relay, 2001);
        Random r = new Random(5);
        AutoCloseable f = clock.every(() -> net.inject(h1, b.socket().localAddress(), garbage(r, b.keys().publicKey())),
                50_000_000L); // 20 a second from relay:2001
        clock.advance(Duration.ofSeconds(3));
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress())));
        Duration took = awaitConnected(a, b, TWO_SECONDS);
        f.close();
        assertTrue(b.counters().rateLimited() > 0, "relay:2001 was held to its rate: " + b.counters());
        assertTrue(took.toMillis() < 500, "relay:2002 was not: " + took);
    }

    /** A genuine initiation from {@code from} to {@code to}, of the network's key, stamped {@code millis}. */
    private byte[] initiation(StaticKeys from, byte[] to, long millis, int senderIndex) throws GeneralSecurityException {
        Handshake hs = suite.initiate(from, to, suite.derivePsk(secret));
        ByteBuffer out = ByteBuffer.allocate(2048);
        io.subutai.p2p.wire.Header.write(out, 1);
        out.putInt(senderIndex).put((byte) 1);
        hs.writeMessage(ByteBuffer.allocate(16).putInt(Secrets.keyId(secret)).putLong(millis).put((byte) 1).put((byte) 1).flip(),
                out);
        Macs.append(Macs.mac1Key(to), out, 0);
        Macs.append(null, out, 0);
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }

    @Test
    void initiationsThatFailAfterTheirDiffieHellmanLeakNoSlotAndAnUndiscoveredNodeStillConnects() throws Exception {
        Node[] ab = pair();
        Node a = ab[0];
        Node b = ab[1];
        long now = clock.currentTimeMillis();
        for (int i = 0; i < 300; i++) { // 20 a second from as many sources, each of a fresh key
            long stamp = i % 2 == 0 ? -1 - i : now - TimeUnit.MINUTES.toMillis(3);
            byte[] init = initiation(suite.generateKeys(), b.keys().publicKey(), stamp, i + 1);
            InetSocketAddress from = source(i);
            clock.schedule(() -> net.inject(from, b.socket().localAddress(), init), i * 50_000_000L);
        }
        clock.advance(Duration.ofSeconds(16));
        assertEquals(300, b.dh().get(), "each was read (they come within the rate)");
        assertTrue(b.counters().rejected() >= 300, "and refused: " + b.counters());
        assertTrue(b.mesh().snapshot().isEmpty(), "no peer made");
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress())));
        awaitConnected(a, b, TWO_SECONDS);
    }

    @Test
    void aReplayedInitiationAfterTheResponderRestartedChangesNothingAndTheNextGenuineOneCompletes() throws Exception {
        StaticKeys[] k = ordered();
        Node a = node(1, net.socket(1), k[0], Routes.NONE);
        SimNetwork.Socket bSocket = net.socket(2);
        Node b = node(2, bSocket, k[1], Routes.NONE);
        AtomicReference<byte[]> captured = new AtomicReference<>();
        net.tap(d -> {
            if (d.length > 1 && d[1] == 1) {
                captured.compareAndSet(null, d.clone()); // a's first initiation (a initiates)
            }
            return true;
        });
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(bSocket.localAddress())));
        b.mesh().peerSeen(new Sighting(a.keys().publicKey(), List.of(a.socket().localAddress())));
        awaitConnected(a, b, Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(5));

        b.mesh().close(); // b restarts: it remembers no timestamp of a's
        nodes.remove(b);
        Node b2 = node(2, bSocket, k[1], Routes.NONE);
        b2.mesh().peerSeen(new Sighting(a.keys().publicKey(), List.of(a.socket().localAddress())));
        clock.advance(Duration.ofMillis(100));
        PeerSnapshot before = peer(b2, a).orElseThrow();
        InetSocketAddress attacker = new InetSocketAddress("192.0.2.66", 6666);
        net.inject(attacker, bSocket.localAddress(), captured.get()); // 10 s old: within the clock window
        clock.advance(Duration.ofMillis(50));
        PeerSnapshot after = peer(b2, a).orElseThrow();
        assertTrue(b2.dh().get() >= 1, "the replay was read (b cannot tell yet)");
        assertEquals(before.state(), after.state(), "the peer's state did not change");
        assertEquals(before.endpoint(), after.endpoint(), "nor its endpoint");
        assertNotEquals(Endpoints.text(attacker), after.endpoint());
        awaitConnected(a, b2, Duration.ofSeconds(20)); // the next genuine handshake completes
        assertNotEquals(Endpoints.text(attacker), peer(b2, a).orElseThrow().endpoint());
    }

    @Test
    void aFreshDataPacketReplayedFromElsewhereFirstDoesNotMoveThePeer() throws Exception {
        Node[] ab = pair();
        Node a = ab[0];
        Node b = ab[1];
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress())));
        b.mesh().peerSeen(new Sighting(a.keys().publicKey(), List.of(a.socket().localAddress())));
        awaitConnected(a, b, Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(1));
        int size = 4 + 4 + 8 + 1 + 333 + 16; // a DATA packet carrying the 333-byte frame below
        AtomicReference<byte[]> held = new AtomicReference<>();
        net.tap(d -> !(d.length == size && d[1] == 4 && held.compareAndSet(null, d.clone()))); // taken off the path
        a.tap().inject(frame(BROADCAST, a.mac(), 1, 333));
        clock.await(() -> held.get() != null, Duration.ofSeconds(1), "the packet seen");
        InetSocketAddress elsewhere = new InetSocketAddress("198.51.100.99", 5555); // nobody answers there
        String path = Endpoints.text(a.socket().localAddress());
        assertEquals(path, peer(b, a).orElseThrow().endpoint());
        net.inject(elsewhere, b.socket().localAddress(), held.get()); // before the original (which never comes)
        assertEquals(1, seq(takeFrame(b)), "it is authentic and fresh: its frame arrives");
        clock.holds(() -> path.equals(peer(b, a).orElseThrow().endpoint()), Duration.ofSeconds(3),
                "the peer stays where it was: the new address never answered a probe");
        b.tap().inject(frame(a.mac(), b.mac(), 2, 100));
        assertEquals(2, seq(takeFrame(a)), "and traffic to it still arrives");
    }

    private byte[] takeFrame(Node to) {
        byte[][] got = new byte[1][];
        clock.runUntil(() -> {
            try {
                return (got[0] = to.tap().takeWritten(0, TimeUnit.MILLISECONDS)) != null;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, Duration.ofSeconds(2));
        return got[0];
    }

    @Test
    void responsesOfNoHandshakeOrWithABadMac1CostNoDiffieHellman() throws Exception {
        StaticKeys[] k = ordered();
        Node a = node(1, net.socket(1), k[0], Routes.NONE);
        InetSocketAddress nowhere = new InetSocketAddress("192.0.2.9", 9999);
        AtomicReference<byte[]> init = new AtomicReference<>();
        net.tap(d -> {
            if (d.length > 1 && d[1] == 1) {
                init.set(d.clone());
            }
            return true;
        });
        a.mesh().peerSeen(new Sighting(suite.generateKeys().publicKey(), List.of(nowhere))); // it waits for an answer
        clock.await(() -> init.get() != null, Duration.ofSeconds(5), "an initiation sent"); // at once, or after 2 s
        int pending = ByteBuffer.wrap(init.get()).getInt(4);
        Random r = new Random(11);
        int resp = 4 + 4 + 4 + 32 + 1 + 16 + 16 + 16;
        for (int i = 0; i < 20_000; i++) {
            byte[] m = new byte[resp];
            r.nextBytes(m);
            ByteBuffer b = ByteBuffer.wrap(m);
            b.put(0, (byte) io.subutai.p2p.wire.Header.VERSION).put(1, (byte) 2).putShort(2, (short) 0);
            if (i % 2 == 0) {
                b.putInt(8, pending); // names the handshake a waits on, but its mac1 is wrong
            }
            net.inject(source(i), a.socket().localAddress(), m);
        }
        clock.advance(Duration.ofMillis(100));
        assertEquals(0, a.dh().get(), "no response was read");
        assertEquals(10_000, a.counters().badMac(), "those naming the handshake cost one hash each");
        assertTrue(a.counters().rejected() >= 10_000, "the others one lookup each: " + a.counters());
    }

    @Test
    void handshakesOfAnotherVersionAreDroppedCountedAndSaidOnce() throws Exception {
        StaticKeys[] k = ordered();
        Node b = node(2, net.socket(2), k[1], Routes.NONE);
        Random r = new Random(1);
        for (int i = 0; i < 100; i++) {
            byte[] old = garbage(r, b.keys().publicKey());
            old[0] = 2; // version 2
            net.inject(source(i), b.socket().localAddress(), old);
        }
        clock.advance(Duration.ofMillis(100));
        assertEquals(100, b.counters().otherVersion());
        assertEquals(1, log.stream().filter(l -> l.contains("in protocol version 2")).count(), String.join("\n", log));
        assertEquals(0, b.dh().get());
    }
}
