package io.subutai.p2p.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.core.internal.mesh.Mesh;
import io.subutai.p2p.core.internal.mesh.SocketSlot;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.TapSlot;
import io.subutai.p2p.core.internal.mesh.ThreadLoop;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.core.internal.mesh.TransportMux;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.tap.linux.internal.LinuxTapDriver;
import io.subutai.p2p.transport.udp.internal.UdpSocketProvider;

/**
 * One thread per network for the TAP and the socket: the socket's event loop waits for the TAP's
 * descriptor with its datagrams and reads the TAP's frames, while the TAP thread sleeps. Two
 * members on real UDP sockets over loopback and the Linux driver's loopback TAPs (no root): every
 * frame arrives, in order, both ways, while the TAP thread sleeps; a new socket or a new device
 * takes over without a frame lost after it; a device that fails is met and reported by the TAP
 * thread; nothing outlives the members.
 */
class TapHandOffTest {

    private static final Timing FAST = new Timing(20, 300, 500, 5_000, 10_000);
    private static final MacAddress HOST = MacAddress.parse("06:70:32:70:01:ff");

    private final LinuxTapDriver driver = new LinuxTapDriver(WarmPairTest.linuxConfig());
    private final UdpSocketProvider sockets = new UdpSocketProvider();
    private final Suites suites = Suites.classic(new NoiseSuite(MeshSimulationTest.config()));
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<Member> members = new ArrayList<>();

    private final class Member {
        final String name;
        final MacAddress mac;
        final TapSlot tap;
        volatile PollableTapDevice host;
        final SocketSlot socket;
        final ThreadLoop loop;
        final StaticKeys keys;
        final TransportMux mux;
        final Mesh mesh;

        Member(String name, int n) throws IOException {
            this.name = name;
            this.mac = MacAddress.parse("06:70:32:70:01:0" + n);
            List<PollableTapDevice> ends = driver.openLoopback(mac, HOST, 1500).orElseThrow();
            this.tap = new TapSlot(ends.get(0), null);
            this.host = ends.get(1);
            this.socket = new SocketSlot(sockets.openOn("ho-" + name, InetAddress.getLoopbackAddress()), sockets);
            this.loop = new ThreadLoop("ho-" + name, Logs.into(log, name));
            this.keys = suites.all().get(0).impl().generateKeys();
            this.mux = new TransportMux(socket, "ho-" + name, keys.publicKey(), loop, e -> { }, (t, op, e) -> { });
            this.mesh = Mesh.start(new Mesh.Config("ho-" + name, tap, mux, mux, suites, null, keys,
                    MeshSimulationTest.key("hand-off"), Logs.into(log, name), loop, FAST, null, false));
            members.add(this);
        }

        /** The host behind the TAP sends frames numbered {@code first}.. to {@code to}. */
        void send(Member to, int first, int count) throws IOException {
            FrameBatch b = new FrameBatch(1, 2048, true);
            for (int i = first; i < first + count; i++) {
                b.clear();
                ByteBuffer f = b.claim();
                f.put(new byte[TapDevice.OFFLOAD_HEADER]).put(to.mac.toBytes()).put(mac.toBytes()).putShort((short) 0x88b5)
                        .putInt(i).put(new byte[60]);
                b.commit();
                host.write(b);
            }
        }

        /** The numbers of the frames the engine wrote to this host, as they come, until {@code count} did. */
        List<Integer> receive(int count) {
            List<Integer> got = new ArrayList<>();
            FrameBatch b = new FrameBatch(8, 2048, true);
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                for (int n = host.readNow(b), i = 0; i < n; i++) {
                    ByteBuffer f = b.frame(i);
                    got.add(f.getInt(f.position() + TapDevice.OFFLOAD_HEADER + 14));
                }
                return got.size() >= count;
            });
            return got;
        }

        void close() {
            mesh.close();
            mux.close();
            loop.close();
            socket.close();
            try {
                host.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }

    @AfterEach
    void closeAll() {
        members.forEach(Member::close);
        await().atMost(5, TimeUnit.SECONDS).until(() -> threads("p2p-tap-ho-").isEmpty() && threads("p2p-udp-ho-").isEmpty());
    }

    private static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
    }

    /** Whether the member's TAP thread sleeps while the socket's thread serves its TAP. */
    private static boolean handedOff(Member m) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("p2p-tap-ho-" + m.name))
                .anyMatch(e -> {
                    StackTraceElement[] s = e.getValue();
                    for (int i = 0; i + 1 < s.length; i++) {
                        if (s[i].getClassName().equals("java.util.concurrent.locks.LockSupport")
                                && s[i + 1].getMethodName().equals("readTap")) {
                            return true;
                        }
                    }
                    return false;
                });
    }

    private Member[] connected() throws IOException {
        Member a = new Member("a", 1);
        Member b = new Member("b", 2);
        a.mesh.peerSeen(new Sighting(b.keys.publicKey(), List.of(b.socket.localAddress())));
        b.mesh.peerSeen(new Sighting(a.keys.publicKey(), List.of(a.socket.localAddress())));
        await().atMost(10, TimeUnit.SECONDS).until(() -> connectedTo(a) && connectedTo(b));
        return new Member[] {a, b};
    }

    private static boolean connectedTo(Member m) {
        return m.mesh.snapshot().stream().anyMatch(p -> p.state() == PeerState.CONNECTED);
    }

    private static List<Integer> numbers(int first, int count) {
        List<Integer> l = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            l.add(i);
        }
        return l;
    }

    /** Frames both ways, all of them, in order. */
    private static void bothWays(Member a, Member b, int first) throws IOException {
        a.send(b, first, 50);
        assertEquals(numbers(first, 50), b.receive(50), "a's frames at b");
        b.send(a, first + 1000, 50);
        assertEquals(numbers(first + 1000, 50), a.receive(50), "b's frames at a");
    }

    @Test
    void theSocketsThreadCarriesTheTapsFramesWhileTheTapThreadSleeps() throws Exception {
        Member[] ab = connected();
        await().atMost(5, TimeUnit.SECONDS).until(() -> handedOff(ab[0]) && handedOff(ab[1]));
        bothWays(ab[0], ab[1], 1);
        assertTrue(handedOff(ab[0]) && handedOff(ab[1]), "the TAP threads slept throughout");
    }

    @Test
    void aNewSocketTakesTheTapOverFromTheTapThread() throws Exception {
        Member[] ab = connected();
        Member a = ab[0];
        await().atMost(5, TimeUnit.SECONDS).until(() -> handedOff(a));
        var address = a.socket.localAddress();
        a.socket.detach("waiting for the test's provider", System.nanoTime());
        await().atMost(5, TimeUnit.SECONDS).until(() -> !handedOff(a)); // the TAP thread waits for the TAP itself
        a.socket.attach(sockets.open("ho-a", address.getPort(), address.getPort()), sockets, System.nanoTime()); // the same port
        takenOverAgain(a, ab[1]);
    }

    /** Frames both ways as the TAP thread has them, then again once the socket's thread took the TAP over. */
    private static void takenOverAgain(Member a, Member b) throws IOException {
        bothWays(a, b, 1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> handedOff(a));
        bothWays(a, b, 101);
    }

    @Test
    void aNewDeviceIsWatchedInsteadOfTheOld() throws Exception {
        Member[] ab = connected();
        Member a = ab[0];
        await().atMost(5, TimeUnit.SECONDS).until(() -> handedOff(a));
        a.tap.release("waiting for the test's driver", System.nanoTime());
        await().atMost(5, TimeUnit.SECONDS).until(() -> !handedOff(a));
        PollableTapDevice old = a.host;
        List<PollableTapDevice> ends = driver.openLoopback(a.mac, HOST, 1500).orElseThrow();
        a.tap.attach(ends.get(0), System.nanoTime());
        a.host = ends.get(1);
        old.close();
        takenOverAgain(a, ab[1]);
    }

    @Test
    void aDeviceThatFailsIsMetAndReportedByTheTapThread() throws Exception {
        Member[] ab = connected();
        Member a = ab[0];
        await().atMost(5, TimeUnit.SECONDS).until(() -> handedOff(a));
        a.host.close(); // the device's other end goes, as an interface that is removed
        await().atMost(5, TimeUnit.SECONDS).until(() -> threads("p2p-tap-ho-a").isEmpty());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("a WARN: TAP ") && l.contains(" failed")), String.join("\n", log));
        assertTrue(handedOff(ab[1]), "the other member's TAP is still served by its socket's thread");
    }
}
