package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;

/** Several meshes in one JVM over in-memory TAP devices and an in-memory network. */
class MeshSimulationTest {

    private static final Mesh.Timing FAST = new Mesh.Timing(20, 300, 500, 1_500, 3_000);
    private static final long BROADCAST = 0xff_ff_ff_ff_ff_ffL;

    private final SimNetwork net = new SimNetwork();
    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite suite = new NoiseSuite(config());
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final AtomicLong unixSeconds = new AtomicLong(1_800_000_000L);

    record Node(int n, MemoryTap tap, SimNetwork.Socket socket, Mesh mesh, StaticKeys keys) {
        long mac() {
            return 0x0600_0000_0000L + n;
        }
    }

    private Node node(int n, KeyQueue keys) throws Exception {
        return node(n, keys, 1500, false);
    }

    private Node node(int n, KeyQueue keys, int mtu, boolean offload) throws Exception {
        MemoryTap tap = (MemoryTap) taps.open(new TapSpec("sim" + n, MacAddress.of(macBytes(0x0600_0000_0000L + n)), mtu,
                Ipv4Cidr.parse("10.10.10." + n)), offload);
        SimNetwork.Socket socket = net.socket(n);
        StaticKeys k = suite.generateKeys();
        Mesh mesh = new Mesh("sim" + n, tap, socket, suite, k, keys, m -> log.add(n + ": " + m), System::nanoTime,
                unixSeconds::get, FAST);
        mesh.start();
        Node node = new Node(n, tap, socket, mesh, k);
        nodes.add(node);
        return node;
    }

    private static KeyQueue key(String secret) {
        KeyQueue q = new KeyQueue();
        q.add(secret, Long.MAX_VALUE);
        return q;
    }

    /** What discovery would do: every node learns every other. */
    private void introduce() {
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    a.mesh().peerSeen(b.keys().publicKey(), List.of(b.socket().localAddress()));
                }
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Node n : nodes) {
            n.mesh().close();
        }
        net.close();
    }

    static void await(BooleanSupplier c, String what) {
        org.awaitility.Awaitility.await(what).atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(5)).until(c::getAsBoolean);
    }

    private static boolean connected(Node a, Node b) {
        return a.mesh().peer(PeerIds.of(b.keys().publicKey())).map(p -> p.state == PeerState.CONNECTED).orElse(false);
    }

    private void awaitAllConnected() throws InterruptedException {
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    await(() -> connected(a, b), a.n() + " connected to " + b.n());
                }
            }
        }
    }

    static byte[] frame(long dst, long src, int seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(macBytes(dst)).put(macBytes(src)).putShort((short) 0x88b5).putInt(seq);
        for (int i = 18; i < size; i++) {
            b.put((byte) (seq + i));
        }
        return b.array();
    }

    static byte[] macBytes(long mac) {
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return m;
    }

    private static int seq(byte[] frame) {
        return ByteBuffer.wrap(frame).getInt(14);
    }

    /** {@link #drain} on another thread, while the test sends. */
    private static java.util.concurrent.CompletableFuture<List<byte[]>> drainInBackground(Node to, int expected) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return drain(to, expected);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Frames from {@code to}'s TAP, skipping none, for up to 5 s after the last one. */
    private static List<byte[]> drain(Node to, int expected) throws InterruptedException {
        List<byte[]> got = new ArrayList<>();
        while (got.size() < expected) {
            byte[] f = to.tap().takeWritten(5, TimeUnit.SECONDS);
            if (f == null) {
                break;
            }
            got.add(f);
        }
        return got;
    }

    @Test
    void twoNodesConnectAndFramesArriveIntactAndInOrder() throws Exception {
        Node a = node(1, key("secret"));
        Node b = node(2, key("secret"));
        introduce();
        awaitAllConnected();
        // a's first frame is a broadcast (as ARP is); b learns a's MAC, and answers by unicast
        a.tap().inject(frame(BROADCAST, a.mac(), 0, 60));
        byte[] first = b.tap().takeWritten(5, TimeUnit.SECONDS);
        assertArrayEquals(frame(BROADCAST, a.mac(), 0, 60), first);
        for (int i = 1; i <= 500; i++) {
            b.tap().inject(frame(a.mac(), b.mac(), i, 64 + i % 1400));
        }
        List<byte[]> got = drain(a, 500);
        assertEquals(500, got.size());
        for (int i = 0; i < 500; i++) {
            assertArrayEquals(frame(a.mac(), b.mac(), i + 1, 64 + (i + 1) % 1400), got.get(i), "frame " + (i + 1));
        }
        assertEquals(0, a.mesh().rejected() + b.mesh().rejected());
    }

    @Test
    void framesSentDuringTheHandshakeArriveWhenItCompletes() throws Exception {
        net.impair(new SimNetwork.Impairment(0, 0, 0, 20_000)); // 20 ms each way: the frame beats the handshake
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        introduce();
        a.tap().inject(frame(BROADCAST, a.mac(), 77, 60)); // like the kernel's first ARP request
        byte[] got = b.tap().takeWritten(5, TimeUnit.SECONDS);
        assertEquals(77, seq(got), "the frame waited for the session instead of being lost");
    }

    @Test
    void aBroadcastSentBeforeDiscoveryFoundThePeerReachesItOnceItConnects() throws Exception {
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        a.tap().inject(frame(BROADCAST, a.mac(), 41, 60)); // the kernel's first ARP request, before any peer is known
        await(() -> a.tap().pending() == 0, "read");
        introduce();
        byte[] got = b.tap().takeWritten(5, TimeUnit.SECONDS);
        assertEquals(41, seq(got), "replayed to the peer found just after it");
        assertNull(b.tap().takeWritten(200, TimeUnit.MILLISECONDS), "once");
    }

    @Test
    void eightNodesAllConnectAndBroadcastReachesEveryone() throws Exception {
        for (int i = 1; i <= 8; i++) {
            node(i, key("eight"));
        }
        introduce();
        awaitAllConnected();
        for (Node from : nodes) {
            from.tap().inject(frame(BROADCAST, from.mac(), from.n(), 100));
        }
        for (Node to : nodes) {
            Set<Integer> heard = new HashSet<>();
            for (byte[] f : drain(to, 7)) {
                heard.add(seq(f));
            }
            Set<Integer> expected = new HashSet<>();
            for (Node n : nodes) {
                if (n != to) {
                    expected.add(n.n());
                }
            }
            assertEquals(expected, heard, "node " + to.n() + " heard every other and not itself");
        }
    }

    @Test
    void aNodeWithAnotherKeyNeverConnects() throws Exception {
        Node a = node(1, key("right"));
        Node b = node(2, key("right"));
        Node c = node(3, key("wrong"));
        introduce();
        await(() -> connected(a, b) && connected(b, a), "a and b");
        await(() -> a.mesh().rejected() + b.mesh().rejected() + c.mesh().rejected() >= 6,
                "several of c's handshake rounds refused and counted");
        assertTrue(!connected(a, c) && !connected(c, a) && !connected(b, c) && !connected(c, b));
    }

    @Test
    void initiationsThatNeverProveTheKeyCreateNoPeer() throws Exception {
        Node a = node(1, key("right"));
        Node c = node(3, key("wrong"));
        c.mesh().peerSeen(a.keys().publicKey(), List.of(a.socket().localAddress())); // c knows a; a does not know c
        await(() -> a.mesh().rejected() + c.mesh().rejected() >= 3, "c tried three times");
        assertTrue(a.mesh().peers().isEmpty(), "a node that never proved the key is no peer: " + a.mesh().peers().size());
    }

    @Test
    void sessionsEndWhenTheirKeyExpires() throws Exception {
        KeyQueue qa = new KeyQueue();
        qa.add("short", 1_800_000_050L);
        KeyQueue qb = new KeyQueue();
        qb.add("short", 1_800_000_050L);
        Node a = node(1, qa);
        Node b = node(2, qb);
        introduce();
        awaitAllConnected();
        unixSeconds.set(1_800_000_050L + KeyQueue.GRACE_SECONDS);
        await(() -> !connected(a, b) && !connected(b, a), "disconnected when the key ran out");
        a.tap().inject(frame(BROADCAST, a.mac(), 9, 60));
        assertNull(b.tap().takeWritten(300, TimeUnit.MILLISECONDS), "nothing passes without a valid key");
    }

    @Test
    void aFloodOfInitiationsFromOneSourceIsDroppedUnreadAndOthersStillConnect() throws Exception {
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        java.net.InetSocketAddress attacker = new java.net.InetSocketAddress("192.0.2.66", 4444);
        java.util.Random r = new java.util.Random(1);
        int flood = 3000;
        for (int i = 0; i < flood; i++) {
            byte[] init = new byte[Wire.INIT_MIN + 12];
            r.nextBytes(init);
            init[0] = Wire.VERSION;
            init[1] = Wire.HANDSHAKE_INIT;
            init[2] = 0;
            init[3] = 0;
            net.inject(attacker, b.socket().localAddress(), init);
        }
        introduce();
        awaitAllConnected();
        await(() -> b.mesh().rateLimited() + b.mesh().rejected() >= flood, "every initiation of the flood counted");
        assertTrue(b.mesh().rateLimited() >= flood - 1000, "at most the bursts were read: " + b.mesh().rateLimited());
    }

    @Test
    void theFastestLivePathIsUsedAndASilentOneIsLeftWithinTheDeadInterval() throws Exception {
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        java.net.InetSocketAddress fast = b.socket().localAddress();
        java.net.InetSocketAddress slow = new java.net.InetSocketAddress("192.0.2.2", 7002); // b's other address
        net.alias(b.socket(), slow, 20_000);
        a.mesh().peerSeen(b.keys().publicKey(), List.of(slow, fast));
        b.mesh().peerSeen(a.keys().publicKey(), List.of(a.socket().localAddress()));
        awaitAllConnected();
        Mesh.Peer bAtA = a.mesh().peer(PeerIds.of(b.keys().publicKey())).orElseThrow();
        await(() -> fast.equals(bAtA.endpoint) && a.mesh().paths(bAtA).getOrDefault(slow, -1L) > 0,
                "both paths probed, the fast one chosen");
        assertTrue(a.mesh().paths(bAtA).get(slow) > a.mesh().paths(bAtA).get(fast), a.mesh().paths(bAtA).toString());

        net.block(fast, true); // the fast path dies
        long died = System.nanoTime();
        await(() -> slow.equals(bAtA.endpoint), "moved to the live path");
        assertTrue(System.nanoTime() - died < 2 * FAST.dead() * 1_000_000, "within the dead interval (and a tick)");
        a.tap().inject(frame(BROADCAST, a.mac(), 5, 100));
        assertEquals(5, seq(b.tap().takeWritten(5, TimeUnit.SECONDS)), "frames flow on the slow path");
        assertTrue(connected(a, b), "the peer never went away");
        // the dead fast path is not taken back while it does not answer (it used to flap every tick)
        org.awaitility.Awaitility.await("stays on the slow path").during(java.time.Duration.ofMillis(2 * FAST.dead()))
                .atMost(java.time.Duration.ofMillis(3 * FAST.dead())).pollInterval(java.time.Duration.ofMillis(5))
                .until(() -> slow.equals(bAtA.endpoint));

        net.block(fast, false); // and comes back
        await(() -> fast.equals(bAtA.endpoint), "back on the fast path");
    }

    @Test
    void forgedModifiedAndReplayedPacketsAreRejectedAndCounted() throws Exception {
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        List<byte[]> dataFromA = new CopyOnWriteArrayList<>();
        net.tap(bytes -> {
            if (bytes.length > 1 && bytes[1] == Wire.DATA && bytes.length > 100) {
                dataFromA.add(bytes.clone());
            }
            return true;
        });
        introduce();
        awaitAllConnected();
        a.tap().inject(frame(BROADCAST, a.mac(), 1, 200));
        assertEquals(1, seq(b.tap().takeWritten(5, TimeUnit.SECONDS)));
        await(() -> !dataFromA.isEmpty(), "a data packet seen");
        byte[] genuine = dataFromA.get(0);
        long before = b.mesh().rejected();

        byte[] modified = genuine.clone();
        modified[modified.length - 20] ^= 1;
        byte[] forged = genuine.clone();
        for (int i = 16; i < forged.length; i++) {
            forged[i] = (byte) i;
        }
        net.inject(a.socket().localAddress(), b.socket().localAddress(), modified);
        net.inject(a.socket().localAddress(), b.socket().localAddress(), forged);
        net.inject(a.socket().localAddress(), b.socket().localAddress(), genuine); // a replay
        net.inject(a.socket().localAddress(), b.socket().localAddress(), new byte[] {1, 4, 0, 0, 9}); // malformed
        await(() -> b.mesh().rejected() - before == 3, "three rejected");
        assertEquals(1, b.mesh().malformed());
        assertNull(b.tap().takeWritten(300, TimeUnit.MILLISECONDS), "none of them reached the TAP");
        assertTrue(connected(b, a), "and the session lives on");
        a.tap().inject(frame(BROADCAST, a.mac(), 2, 200));
        assertEquals(2, seq(b.tap().takeWritten(5, TimeUnit.SECONDS)));
    }

    @Test
    void anImpairedNetworkDeliversIntactFramesNeverTwice() throws Exception {
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        net.impair(new SimNetwork.Impairment(0.05, 0.05, 0.05, 100));
        introduce();
        awaitAllConnected();
        int sent = 2000;
        java.util.concurrent.CompletableFuture<List<byte[]>> collector = drainInBackground(b, sent + 1);
        a.tap().inject(frame(BROADCAST, a.mac(), 0, 60));
        for (int i = 1; i <= sent; i++) {
            a.tap().inject(frame(b.mac(), a.mac(), i, 100 + i % 1000));
            if (i % 100 == 0) {
                await(() -> a.tap().pending() < 512, "the engine keeps up"); // the TAP queue holds 1024 frames
            }
        }
        List<byte[]> got = collector.get(60, TimeUnit.SECONDS);
        assertEquals(0, a.tap().dropped() + b.tap().dropped(), "no TAP queue overflowed: losses are the network's");
        Set<Integer> seen = new HashSet<>();
        for (byte[] f : got) {
            int s = seq(f);
            assertTrue(seen.add(s), "frame " + s + " arrived twice");
            if (s > 0) {
                assertArrayEquals(frame(b.mac(), a.mac(), s, 100 + s % 1000), f, "frame " + s + " intact");
            }
        }
        double lossRate = 1 - (double) got.size() / (sent + 1);
        assertTrue(lossRate < 0.12, "lost " + lossRate + ", about the network's own 5% (and handshakes' retries)");
    }

    @Test
    void framesLargerThanADatagramAreFragmentedAndArriveIntactOrNotAtAll() throws Exception {
        Node a = node(1, key("k"), 9000, false);
        Node b = node(2, key("k"), 9000, false);
        net.impair(new SimNetwork.Impairment(0.01, 0.05, 0.05, 100));
        introduce();
        awaitAllConnected();
        int sent = 400;
        java.util.concurrent.CompletableFuture<List<byte[]>> collector = drainInBackground(b, sent);
        for (int i = 1; i <= sent; i++) {
            a.tap().inject(frame(b.mac(), a.mac(), i, 1400 + (i * 37) % 7600));
            if (i % 50 == 0) {
                await(() -> a.tap().pending() < 256, "the engine keeps up");
            }
        }
        List<byte[]> got = collector.get(60, TimeUnit.SECONDS);
        Set<Integer> seen = new HashSet<>();
        for (byte[] f : got) {
            int s = seq(f);
            assertTrue(seen.add(s), "frame " + s + " arrived twice");
            assertArrayEquals(frame(b.mac(), a.mac(), s, 1400 + (s * 37) % 7600), f, "frame " + s + " intact");
        }
        assertTrue(got.size() > sent * 0.75, "a frame of up to 7 datagrams is lost with any of them: " + got.size());
    }

    @Test
    void superFramesPassBetweenOffloadingTapsAsTheyAreAndAreSegmentedForOthers() throws Exception {
        Node a = node(1, key("k"), 1500, true);
        Node b = node(2, key("k"), 1500, true);
        Node c = node(3, key("k"), 1500, false);
        introduce();
        awaitAllConnected();
        int payload = 60_000;
        byte[] tcp = OffloadTest.tcpSuperFrame(true, payload, 5); // to 06:00:00:00:00:02, not learned yet: flooded
        byte[] superFrame = OffloadTest.withHeader(Offload.NEEDS_CSUM, Offload.GSO_TCPV4, 54, 1448, 34, 16, tcp);
        a.tap().inject(superFrame);

        assertArrayEquals(superFrame, b.tap().takeWritten(5, TimeUnit.SECONDS), "an offloading TAP takes it whole");
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        int segments = (payload + 1447) / 1448;
        for (int i = 0; i < segments; i++) {
            byte[] seg = c.tap().takeWritten(5, TimeUnit.SECONDS);
            assertEquals(i < segments - 1 ? 54 + 1448 : 54 + payload % 1448, seg.length, "segment " + i);
            ByteBuffer s = ByteBuffer.wrap(seg);
            long pseudo = Offload.sum(s, 26, 34, 0) + 6 + (seg.length - 34);
            assertEquals(0xffff, Offload.fold(Offload.sum(s, 34, seg.length, pseudo)), "TCP checksum of segment " + i);
            joined.write(seg, 54, seg.length - 54);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(tcp, 54, tcp.length), joined.toByteArray());

        // the other way: a plain frame reaches an offloading TAP behind a header of zeros
        byte[] plain = frame(a.mac(), c.mac(), 9, 1000);
        c.tap().inject(plain);
        byte[] got = a.tap().takeWritten(5, TimeUnit.SECONDS);
        assertArrayEquals(OffloadTest.withHeader(0, 0, 0, 0, 0, 0, plain), got);
        assertEquals(0, a.mesh().malformed() + b.mesh().malformed() + c.mesh().malformed());
    }

    @Test
    void aKeyRotationUnderTrafficLosesNoFrame() throws Exception {
        KeyQueue qa = key2("old", "new");
        KeyQueue qb = key2("old", "new");
        Node a = node(1, qa);
        Node b = node(2, qb);
        introduce();
        awaitAllConnected();
        a.tap().inject(frame(BROADCAST, a.mac(), 0, 60));
        assertEquals(0, seq(b.tap().takeWritten(5, TimeUnit.SECONDS)));
        int n = 0;
        for (; n < 300; n++) {
            a.tap().inject(frame(b.mac(), a.mac(), n + 1, 200));
        }
        unixSeconds.set(1_800_000_100L); // the old key ended: new handshakes use the new one
        a.mesh().rekeyAll();
        b.mesh().rekeyAll();
        for (; n < 600; n++) {
            a.tap().inject(frame(b.mac(), a.mac(), n + 1, 200));
            if (n % 50 == 0) {
                await(() -> a.tap().pending() < 512, "the engine keeps up");
            }
        }
        List<byte[]> got = drain(b, 600);
        if (got.size() != 600) {
            List<Integer> seqs = new ArrayList<>();
            for (byte[] f : got) {
                seqs.add(seq(f));
            }
            System.err.println("frames that arrived: " + seqs + " rejectedA=" + a.mesh().rejected() + " rejectedB=" + b.mesh().rejected() + " unknownB=" + b.mesh().unknownIndex()
                    + " dropped=" + a.tap().dropped() + "/" + b.tap().dropped() + " log=" + log);
        }
        assertEquals(600, got.size(), "every frame arrived across the rotation");
        for (int i = 0; i < 600; i++) {
            assertEquals(i + 1, seq(got.get(i)), "in order");
        }
        await(() -> log.stream().filter(l -> l.contains("connected via")).count() >= 2, "log");
    }

    private static KeyQueue key2(String first, String second) {
        KeyQueue q = new KeyQueue();
        q.add(first, 1_800_000_050L);
        q.add(second, Long.MAX_VALUE);
        return q;
    }

    @Test
    void aNodeThatLeavesIsDisconnectedThenForgottenAndComesBackByItself() throws Exception {
        Node a = node(1, key("k"));
        Node b = node(2, key("k"));
        introduce();
        awaitAllConnected();
        net.remove(b.socket()); // b vanishes from the network without a word
        await(() -> a.mesh().peer(PeerIds.of(b.keys().publicKey())).map(p -> p.state == PeerState.DISCONNECTED)
                .orElse(false), "disconnected");
        await(() -> a.mesh().peer(PeerIds.of(b.keys().publicKey())).isEmpty(), "forgotten");
        // b returns, and discovery sees it again
        SimNetwork.Socket back = net.socket(2);
        assertEquals(b.socket().localAddress(), back.localAddress());
        b.mesh().close();
        nodes.remove(b);
        Node b2 = node(2, key("k"));
        introduce();
        await(() -> connected(a, b2) && connected(b2, a), "back");
    }

    static NoiseSuite.Config config() {
        return new NoiseSuite.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NoiseSuite.Config.class;
            }

            @Override
            public String aeads() {
                return "aes-256-gcm,chacha20-poly1305";
            }
        };
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
