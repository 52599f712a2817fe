package io.subutai.p2p.testing;

import static io.subutai.p2p.testing.Frames.frame;
import static io.subutai.p2p.testing.Frames.seq;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.Mesh;
import io.subutai.p2p.core.internal.mesh.PeerIds;
import io.subutai.p2p.core.internal.mesh.Routes;
import io.subutai.p2p.core.internal.mesh.SocketSlot;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.TapSlot;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;

/**
 * Plugins swapped under running meshes, on a virtual clock: the TAP handed over to a new driver,
 * the socket bound again at its port, a new version of the crypto suite taken up while the old
 * sessions carry the traffic; and the negotiation of suites between members that have different
 * ones, or a network that accepts one only.
 */
class PluginSwapSimulationTest {

    private static final Timing FAST = new Timing(20, 300, 500, 1_500, 3_000);
    private static final Duration WITHIN = Duration.ofSeconds(20);

    private final VirtualClock clock = new VirtualClock(1_800_000_000_000L);
    private final SimNetwork net = new SimNetwork(clock);
    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite classic = new NoiseSuite(MeshSimulationTest.config());
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    private final class Node {
        final int n;
        final TapSlot tap;
        final SocketSlot socket;
        final Suites suites;
        final Mesh mesh;
        final StaticKeys keys;
        final TapSpec spec;

        Node(int n, Suites suites, String required) throws Exception {
            this.n = n;
            this.spec = new TapSpec("sw" + n, MacAddress.of(Frames.mac(mac(n))), 1500, Ipv4Cidr.parse("10.10.10." + n));
            MemoryTap device = (MemoryTap) taps.open(spec);
            this.tap = new TapSlot(device, spec.address());
            clock.settlesWhen(() -> !this.tap.attached() || memory().idle()); // a TAP thread without a device waits in the slot
            this.socket = new SocketSlot(net.closeable(net.socket(n)), net);
            this.suites = suites;
            this.keys = classic.generateKeys();
            this.mesh = Mesh.start(new Mesh.Config("sw" + n, tap, socket, Routes.NONE, suites, required, keys,
                    MeshSimulationTest.key("swap"), Logs.into(log, Integer.toString(n)), clock.loop(), FAST, null, false));
            nodes.add(this);
        }

        /** The memory device that holds the interface now. */
        MemoryTap memory() {
            return taps.device(spec.name()).orElseThrow();
        }
    }

    private static long mac(int n) {
        return 0x0600_0000_0000L + n;
    }

    /** The classic suite under another name and number: a second suite, as the post-quantum one is to the engine. */
    private static CryptoSuite renamed(CryptoSuite inner, int id) {
        return new CryptoSuite() {
            @Override
            public int wireId() {
                return id;
            }

            @Override
            public StaticKeys generateKeys() {
                return inner.generateKeys();
            }

            @Override
            public byte[] derivePsk(byte[] networkSecret) {
                return inner.derivePsk(networkSecret);
            }

            @Override
            public Handshake initiate(StaticKeys local, byte[] remoteStatic, byte[] psk) {
                return inner.initiate(local, remoteStatic, psk);
            }

            @Override
            public Handshake respond(StaticKeys local, byte[] psk) {
                return inner.respond(local, psk);
            }
        };
    }

    private Suites.Suite pq() {
        return new Suites.Suite(Suites.PQ, 2, renamed(classic, 2));
    }

    private Suites.Suite classicSuite() {
        return new Suites.Suite(Suites.CLASSIC, 1, classic);
    }

    private void introduce() {
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    a.mesh.peerSeen(new Sighting(b.keys.publicKey(), List.of(b.socket.localAddress())));
                }
            }
        }
    }

    @AfterEach
    void tearDown() {
        for (Node n : nodes) {
            n.mesh.close();
        }
        net.close();
    }

    private void await(BooleanSupplier c, String what) {
        clock.await(c, WITHIN, what, () -> "last log lines:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 40),
                log.size())));
    }

    private static Optional<PeerSnapshot> peer(Node at, Node of) {
        return at.mesh.snapshot(PeerIds.of(of.keys.publicKey()));
    }

    private static boolean connected(Node a, Node b) {
        return peer(a, b).map(p -> p.state() == PeerState.CONNECTED).orElse(false);
    }

    private static String suite(Node a, Node b) {
        return peer(a, b).map(PeerSnapshot::suite).orElse(null);
    }

    private static int handshakes(Node a, Node b) {
        return peer(a, b).orElseThrow().attempts().handshakes();
    }

    /** Sends {@code count} numbered frames from a to b, a few ms apart, and returns the numbers that arrived. */
    private List<Integer> stream(Node from, Node to, int first, int count, Runnable midway) {
        List<Integer> got = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            if (i == first + count / 2) {
                midway.run();
            }
            from.memory().inject(frame(mac(to.n), mac(from.n), i, 100));
            clock.advance(Duration.ofMillis(5));
            collect(to, got);
        }
        clock.runUntil(() -> {
            collect(to, got);
            return got.size() >= count;
        }, Duration.ofSeconds(2));
        return got;
    }

    private static void collect(Node to, List<Integer> into) {
        try {
            for (byte[] f = to.memory().takeWritten(0, TimeUnit.MILLISECONDS); f != null;
                    f = to.memory().takeWritten(0, TimeUnit.MILLISECONDS)) {
                into.add(seq(f));
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private Node[] connectedPair() throws Exception {
        Node a = new Node(1, Suites.of(classicSuite()), null);
        Node b = new Node(2, Suites.of(classicSuite()), null);
        introduce();
        await(() -> connected(a, b) && connected(b, a), "a and b connected");
        // each learns the other's MAC
        assertEquals(10, stream(a, b, 1, 10, () -> { }).size());
        assertEquals(10, stream(b, a, 1, 10, () -> { }).size());
        return new Node[] {a, b};
    }

    @Test
    void theTapIsHandedOverToTheNextDriverAndPeersSessionsAndSocketNeverNotice() throws Exception {
        Node[] ab = connectedPair();
        Node a = ab[0];
        Node b = ab[1];
        int before = handshakes(a, b) + handshakes(b, a);
        a.tap.release("waiting for the test's driver", clock.loop().nanoTime());
        assertFalse(a.tap.attached());
        assertEquals("waiting for the test's driver", a.tap.waiting());
        // what b sends meanwhile finds no device: dropped and counted, as a NIC without a driver
        b.memory().inject(frame(mac(1), mac(2), 500, 100));
        await(() -> a.tap.droppedWhileDetached() == 1, "the frame for the released TAP dropped");
        MemoryTap next = (MemoryTap) taps.open(a.spec.adopting());
        clock.advance(Duration.ofMillis(30));
        long gap = a.tap.attach(next, clock.loop().nanoTime());
        assertEquals(30_000_000L, gap, "the gap is the time no device held the interface");
        assertEquals(List.of(101, 102, 103), stream(a, b, 101, 3, () -> { }), "the new device's frames reach b");
        assertEquals(List.of(201, 202, 203), stream(b, a, 201, 3, () -> { }), "and b's reach the new device");
        assertTrue(connected(a, b) && connected(b, a));
        assertEquals(before, handshakes(a, b) + handshakes(b, a), "no new handshake");
    }

    @Test
    void theSocketIsBoundAgainAtItsPortAndTheSessionGoesOn() throws Exception {
        Node[] ab = connectedPair();
        Node a = ab[0];
        Node b = ab[1];
        int before = handshakes(a, b) + handshakes(b, a);
        var address = a.socket.localAddress();
        a.socket.detach("waiting for the test's provider", clock.loop().nanoTime());
        assertEquals("waiting for the test's provider", a.socket.waiting());
        a.memory().inject(frame(mac(2), mac(1), 300, 100));
        await(() -> a.socket.droppedWhileDetached() >= 1, "a's send without a socket dropped and counted");
        SimNetwork.Socket again = net.socket(1); // the same address: the port is free again
        assertEquals(address, again.localAddress());
        clock.advance(Duration.ofMillis(40));
        assertEquals(40_000_000L, a.socket.attach(net.closeable(again), net, clock.loop().nanoTime()));
        assertEquals(List.of(301, 302), stream(a, b, 301, 2, () -> { }));
        assertEquals(List.of(401, 402), stream(b, a, 401, 2, () -> { }), "the handlers registered before hear the new socket");
        assertEquals(before, handshakes(a, b) + handshakes(b, a), "the session outlived the socket");
    }

    @Test
    void aNewVersionOfTheSuiteIsTakenUpWhileTheOldSessionsCarryEveryFrame() throws Exception {
        Node[] ab = connectedPair();
        Node a = ab[0];
        Node b = ab[1];
        int before = handshakes(a, b);
        List<String> done = new CopyOnWriteArrayList<>();
        List<Integer> got = stream(a, b, 1000, 200, () -> {
            NoiseSuite updated = new NoiseSuite(MeshSimulationTest.config()); // the bundle's new version
            a.suites.set(List.of(new Suites.Suite(Suites.CLASSIC, 1, updated)));
            a.mesh.suitesChanged(done::add);
        });
        assertEquals(200, got.size(), "no frame lost while the sessions were renewed: " + got);
        await(() -> !done.isEmpty(), "the renewal reported");
        assertTrue(done.get(0).startsWith("sessions renewed: 1 peer in "), done.get(0));
        assertTrue(handshakes(a, b) > before, "a new handshake, with the new suite");
        assertEquals(Suites.CLASSIC, suite(a, b));
    }

    @Test
    void twoMembersUseTheBestSuiteBothHaveAndAMemberWithoutItStillConnects() throws Exception {
        Node a = new Node(1, Suites.of(pq(), classicSuite()), null);
        Node b = new Node(2, Suites.of(pq(), classicSuite()), null);
        Node c = new Node(3, Suites.of(classicSuite()), null);
        introduce();
        await(() -> connected(a, b) && connected(b, a) && connected(a, c) && connected(c, a) && connected(b, c)
                && connected(c, b), "all connected");
        await(() -> Suites.PQ.equals(suite(a, b)) && Suites.PQ.equals(suite(b, a)), "a and b on the post-quantum suite");
        assertEquals(Suites.CLASSIC, suite(a, c));
        assertEquals(Suites.CLASSIC, suite(c, a));
        assertEquals(Suites.CLASSIC, suite(b, c));
    }

    @Test
    void aNetworkThatAcceptsThePostQuantumSuiteOnlyRefusesAClassicMemberAndBothSaySo() throws Exception {
        Node strict = new Node(1, Suites.of(pq(), classicSuite()), Suites.PQ);
        Node old = new Node(2, Suites.of(classicSuite()), null);
        Node modern = new Node(3, Suites.of(pq(), classicSuite()), null);
        introduce();
        await(() -> connected(strict, modern) && connected(modern, strict), "the two that have it connect");
        assertEquals(Suites.PQ, suite(strict, modern));
        await(() -> has("1", "Refused a handshake from " + addr(old) + " with suite noise-ikpsk2: this network accepts "
                + "noise-ikpsk2-mlkem768 only") && has("2", "with suite noise-ikpsk2-mlkem768: this node lacks that suite"),
                "both sides say why, in their logs");
        await(() -> has("1", "no crypto suite in common") && has("2", "no crypto suite in common"), "and that they have none");
        clock.advance(Duration.ofSeconds(5));
        assertFalse(connected(strict, old) || connected(old, strict), "never connected");
        assertTrue(connected(old, modern), "the classic member still reaches the others");
    }

    @Test
    void membersThatGetTheBetterSuiteAtRunTimeMoveTheirSessionsToIt() throws Exception {
        Node[] ab = connectedPair();
        Node a = ab[0];
        Node b = ab[1];
        assertEquals(Suites.CLASSIC, suite(a, b));
        List<String> done = new CopyOnWriteArrayList<>();
        b.suites.set(List.of(pq(), classicSuite())); // b first: a lacks it, and says so
        b.mesh.suitesChanged(done::add);
        await(() -> done.size() == 1, "b's renewal");
        assertEquals(Suites.CLASSIC, suite(b, a), "a lacks it: b stays on the classic suite");
        a.suites.set(List.of(pq(), classicSuite()));
        a.mesh.suitesChanged(done::add);
        await(() -> Suites.PQ.equals(suite(a, b)) && Suites.PQ.equals(suite(b, a)), "both on the post-quantum suite");
        assertEquals(3, stream(a, b, 1, 3, () -> { }).size());
    }

    @Test
    void forgedRefusalsOfEverySuiteNeverCutTwoMembersOff() throws Exception {
        Node a = new Node(1, Suites.of(classicSuite()), null);
        Node b = new Node(2, Suites.of(classicSuite()), null);
        // an attacker on the path drops the first initiations each way and answers each with a forged refusal
        int[] forged = {0};
        net.tap(d -> {
            if (d.length > 9 && d[1] == 1 && forged[0] < 4) {
                forged[0]++;
                byte[] refusal = {d[0], 9, 0, 0, d[4], d[5], d[6], d[7], 1, 0}; // reason 1, no suites
                net.inject(b.socket.localAddress(), a.socket.localAddress(), refusal);
                net.inject(a.socket.localAddress(), b.socket.localAddress(), refusal);
                return false;
            }
            return true;
        });
        introduce();
        await(() -> connected(a, b) && connected(b, a), "connected once the forger stopped");
        assertEquals(4, forged[0]);
        assertTrue(peer(a, b).orElseThrow().history().stream().anyMatch(h -> h.what().startsWith("refused suite noise-ikpsk2"))
                || peer(b, a).orElseThrow().history().stream().anyMatch(h -> h.what().startsWith("refused suite noise-ikpsk2")),
                "the refusal is in the history");
    }

    private boolean has(String node, String text) {
        return log.stream().anyMatch(l -> l.startsWith(node + " ") || l.startsWith(node + ":") ? l.contains(text) : false);
    }

    private static String addr(Node n) {
        return io.subutai.p2p.core.internal.mesh.Endpoints.text(n.socket.localAddress());
    }
}
