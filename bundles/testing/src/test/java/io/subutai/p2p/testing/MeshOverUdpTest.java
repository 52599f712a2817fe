package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.Mesh;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Routes;
import io.subutai.p2p.core.internal.mesh.ThreadLoop;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.spi.UdpSocket;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;
import io.subutai.p2p.transport.udp.internal.UdpSocketProvider;

/** Two meshes over real UDP sockets on the loopback interface, each on its network's own control loop (real time). */
class MeshOverUdpTest {

    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void framesCrossRealSocketsEncrypted() throws Exception {
        KeyQueue keys = new KeyQueue();
        keys.add("udp-test", Long.MAX_VALUE);
        StaticKeys ka = suite.generateKeys();
        StaticKeys kb = suite.generateKeys();
        UdpSocket sa = new UdpSocketProvider().open("ua", 0, 0);
        closing.add(sa);
        UdpSocket sb = new UdpSocketProvider().open("ub", 0, 0);
        closing.add(sb);
        MemoryTap ta = (MemoryTap) taps.open(new TapSpec("ua", MacAddress.parse("06:00:00:00:00:0a"), 1500, Ipv4Cidr.parse("10.1.0.1")));
        MemoryTap tb = (MemoryTap) taps.open(new TapSpec("ub", MacAddress.parse("06:00:00:00:00:0b"), 1500, Ipv4Cidr.parse("10.1.0.2")));
        ThreadLoop la = new ThreadLoop("ua", MeshLog.NONE);
        closing.add(la);
        ThreadLoop lb = new ThreadLoop("ub", MeshLog.NONE);
        closing.add(lb);
        Mesh a = Mesh.start(new Mesh.Config("ua", ta, sa, Routes.NONE, Suites.classic(suite), null, ka, keys, MeshLog.NONE, la, Timing.DEFAULT,
                null, false));
        closing.add(a);
        Mesh b = Mesh.start(new Mesh.Config("ub", tb, sb, Routes.NONE, Suites.classic(suite), null, kb, keys, MeshLog.NONE, lb, Timing.DEFAULT,
                null, false));
        closing.add(b);
        InetAddress lo = InetAddress.getLoopbackAddress();
        a.peerSeen(new Sighting(kb.publicKey(), List.of(new InetSocketAddress(lo, sb.localAddress().getPort()))));
        b.peerSeen(new Sighting(ka.publicKey(), List.of(new InetSocketAddress(lo, sa.localAddress().getPort()))));
        org.awaitility.Awaitility.await("connected over loopback").atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(5)).until(() -> connected(a) && connected(b));
        byte[] arp = new byte[60];
        System.arraycopy(new byte[] {-1, -1, -1, -1, -1, -1, 6, 0, 0, 0, 0, 10, 8, 6}, 0, arp, 0, 14);
        ta.inject(arp);
        assertArrayEquals(arp, tb.takeWritten(5, TimeUnit.SECONDS));
        byte[] reply = new byte[1400];
        System.arraycopy(new byte[] {6, 0, 0, 0, 0, 10, 6, 0, 0, 0, 0, 11, 8, 0}, 0, reply, 0, 14);
        for (int i = 0; i < 100; i++) {
            reply[20] = (byte) i;
            tb.inject(reply);
        }
        for (int i = 0; i < 100; i++) {
            byte[] got = ta.takeWritten(5, TimeUnit.SECONDS);
            assertEquals((byte) i, got[20], "in order over loopback");
        }
        assertEquals(0, a.counters().rejected() + b.counters().rejected());
    }

    private static boolean connected(Mesh m) {
        return m.snapshot().size() == 1 && m.snapshot().get(0).state() == PeerState.CONNECTED;
    }
}
