package io.subutai.p2p.testing;

import static io.subutai.p2p.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

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
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;

/**
 * Path MTU probes between two meshes whose path is narrower somewhere past the first hop, where
 * neither host's routes tell it: the probes find what crosses, and the peers' datagrams shrink to
 * it so that no router need fragment them.
 */
class PathMtuSimulationTest {

    private static final Timing FAST = new Timing(20, 300, 500, 1_500, 3_000);

    private final VirtualClock clock = new VirtualClock(1_800_000_000_000L);
    private final SimNetwork net = new SimNetwork(clock);
    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
    private final List<Mesh> meshes = new ArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    private record Node(int n, MemoryTap tap, SimNetwork.Socket socket, Mesh mesh, StaticKeys keys) {
        long mac() {
            return 0x0600_0000_0000L + n;
        }
    }

    private Node node(int n) throws Exception {
        MemoryTap tap = (MemoryTap) taps.open(new TapSpec("mtu" + n, MacAddress.of(Frames.mac(0x0600_0000_0000L + n)), 1500,
                Ipv4Cidr.parse("10.10.10." + n)), false);
        clock.settlesWhen(tap::idle);
        SimNetwork.Socket socket = net.socket(n);
        StaticKeys k = suite.generateKeys();
        Mesh mesh = Mesh.start(new Mesh.Config("mtu" + n, tap, socket, Routes.NONE, Suites.classic(suite), null, k,
                MeshSimulationTest.key("k"), Logs.into(log, Integer.toString(n)), clock.loop(), FAST, null, false, false));
        meshes.add(mesh);
        return new Node(n, tap, socket, mesh, k);
    }

    @AfterEach
    void tearDown() {
        meshes.forEach(Mesh::close);
        net.close();
    }

    private PeerSnapshot peer(Node at, Node of) {
        return at.mesh().snapshot(PeerIds.of(of.keys().publicKey())).orElse(null);
    }

    /** a and b, introduced, connected, and a's search for its path to b over. */
    private Node[] connectedPair() throws Exception {
        Node a = node(1);
        Node b = node(2);
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress())));
        b.mesh().peerSeen(new Sighting(a.keys().publicKey(), List.of(a.socket().localAddress())));
        clock.await(() -> peer(a, b) != null && peer(a, b).state() == PeerState.CONNECTED
                && peer(b, a) != null && peer(b, a).state() == PeerState.CONNECTED, Duration.ofSeconds(20), "connected",
                () -> String.join("\n", log));
        return new Node[] {a, b};
    }

    @Test
    void aLinkNarrowerPastTheFirstHopIsFoundAndDatagramsShrinkToIt() throws Exception {
        net.pathMtu(1280);
        Node[] n = connectedPair();
        Node a = n[0];
        Node b = n[1];
        clock.await(() -> peer(a, b).probedDatagram() == 1252, Duration.ofSeconds(10), "a's probes found 1252 bytes",
                () -> peer(a, b).toString());
        assertEquals(1252, peer(a, b).maxDatagram(), "a's datagrams to b fit the path");
        clock.await(() -> peer(b, a).maxDatagram() == 1252, Duration.ofSeconds(10), "b's probes found it too",
                () -> peer(b, a).toString());
        long fragmentedBefore = net.fragmented.get();
        for (int i = 1; i <= 100; i++) {
            a.tap().inject(frame(b.mac(), a.mac(), i, 1400 + i));
        }
        for (int i = 1; i <= 100; i++) {
            byte[][] got = new byte[1][];
            clock.runUntil(() -> (got[0] = poll(b)) != null, Duration.ofSeconds(5));
            assertNotNull(got[0], "frame " + i);
            assertArrayEquals(frame(b.mac(), a.mac(), i, 1400 + i), got[0], "frame " + i);
        }
        assertEquals(fragmentedBefore, net.fragmented.get(), "no datagram needed a router to fragment it");
    }

    @Test
    void aPathThatCarriesTheProtocolsSizeIsConfirmed() throws Exception {
        Node[] n = connectedPair();
        clock.await(() -> peer(n[0], n[1]).probedDatagram() == 1452, Duration.ofSeconds(2), "one round confirmed 1452",
                () -> peer(n[0], n[1]).toString());
        assertEquals(1452, peer(n[0], n[1]).maxDatagram());
    }

    @Test
    void probesThatNeverComeBackLeaveTheDatagramsAsTheyWere() throws Exception {
        net.pathMtu(500); // below the least probe: none arrives, as with a peer that does not answer them
        Node[] n = connectedPair();
        clock.runUntil(() -> false, Duration.ofSeconds(5));
        PeerSnapshot p = peer(n[0], n[1]);
        assertTrue(net.tooBig.get() >= 2 * 5, "both sides probed: " + net.tooBig.get());
        assertEquals(0, p.probedDatagram());
        assertEquals(1452, p.maxDatagram(), "datagrams keep the size they had");
    }

    /** With -pmtu, a SYN sent while the first handshake runs waits for it, and leaves clamped like any other. */
    @Test
    void aSynThatWaitedForTheHandshakeIsClampedToo() throws Exception {
        net.impair(new SimNetwork.Impairment(0, 0, 0, 20_000)); // 20 ms each way: the SYN beats the handshake
        Node a = node(1);
        Node b = node(2);
        a.mesh().pmtu(true); // a alone: b does not clamp what arrives
        a.mesh().peerSeen(new Sighting(b.keys().publicKey(), List.of(b.socket().localAddress())));
        b.mesh().peerSeen(new Sighting(a.keys().publicKey(), List.of(a.socket().localAddress())));
        byte[] syn = new byte[14 + 20 + 24];
        java.nio.ByteBuffer f = java.nio.ByteBuffer.wrap(syn);
        f.put(0, Frames.mac(Frames.BROADCAST)).put(6, Frames.mac(a.mac())).putShort(12, (short) 0x0800);
        f.put(14, (byte) 0x45).putShort(16, (short) 44).putShort(20, (short) 0x4000).put(22, (byte) 64).put(23, (byte) 6)
                .putInt(26, 0x0a0a0a01).putInt(30, 0x0a0a0a02);
        f.putShort(34, (short) 40000).putShort(36, (short) 22).put(46, (byte) 0x60).put(47, (byte) 0x02)
                .put(54, (byte) 2).put(55, (byte) 4).putShort(56, (short) 1460);
        a.tap().inject(syn);
        byte[][] got = new byte[1][];
        clock.runUntil(() -> (got[0] = poll(b)) != null, Duration.ofSeconds(5));
        assertNotNull(got[0], "the SYN waited for the session");
        assertEquals(1452 - 33 - 14 - 40, java.nio.ByteBuffer.wrap(got[0]).getShort(56) & 0xffff,
                "its MSS fits a datagram of 1452 bytes");
    }

    private static byte[] poll(Node to) {
        try {
            return to.tap().takeWritten(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
