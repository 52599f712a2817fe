package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.core.internal.SimNetwork.NatKind;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.discovery.dht.internal.DhtDiscovery;
import io.subutai.p2p.servers.internal.BootstrapServer;
import io.subutai.p2p.servers.internal.DatagramServer;
import io.subutai.p2p.servers.internal.RelayServer;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;
import io.subutai.p2p.transport.holepunch.internal.HolePunchTransport;
import io.subutai.p2p.transport.proxy.internal.RelayTransport;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * Whole network instances (mesh, relay client, bootstrap discovery) behind simulated NAT boxes
 * of every common behaviour, with a bootstrap server and two relays on the simulated public
 * network: which path each pair of NATs ends on, relay fail-over, the move from a relay to a
 * punched path when a block is lifted, and tunnels that outlive their bootstrap server. Product
 * timing throughout (probe rounds every 5 s, fail-over after 3 s of silence).
 */
class NatSimulationTest {

    private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.1", 6881);
    private static final InetSocketAddress RELAY_A = new InetSocketAddress("198.51.100.2", 6882);
    private static final InetSocketAddress RELAY_B = new InetSocketAddress("198.51.100.3", 6882);

    private final SimNetwork net = new SimNetwork();
    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
    private final DhtDiscovery dht = new DhtDiscovery(dhtConfig(), quietLogger());
    private final Transport holePunch = new HolePunchTransport();
    private final Transport relays = new RelayTransport();
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "p2pt-sim-control"));
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<Member> members = new ArrayList<>();
    private final List<DatagramServer> servers = new CopyOnWriteArrayList<>();
    /** Keeps the servers' clock: they have no thread of their own without a socket. */
    private final ScheduledExecutorService serverClock = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "p2pt-sim-servers"));
    private SimNetwork.Socket serverSocket;
    private int nextNat = 1;

    record Member(String name, SimNetwork.Nat nat, MemoryTap tap, NetworkInstance instance, StaticKeys keys, int host) {
        long mac() {
            return 0x0600_0000_0000L + host;
        }
    }

    @BeforeEach
    void servers() {
        serverClock.scheduleAtFixedRate(() -> servers.forEach(DatagramServer::tick), 250, 250, TimeUnit.MILLISECONDS);
        serverSocket = net.publicSocket(1, SERVER.getPort());
        BootstrapServer s = bootstrap();
        relay(RELAY_A, 2);
        relay(RELAY_B, 3);
        // as in the field, the relays are known before members come (else they learn them at their next refresh)
        await(() -> s.relays() == 2, Duration.ofSeconds(5), "the relays announced themselves");
    }

    private BootstrapServer bootstrap() {
        BootstrapServer s = BootstrapServer.fed(SERVER, outlet(serverSocket), System::nanoTime, m -> log.add("dht: " + m));
        serverSocket.register(DhtMessage.TYPE, (from, d) -> s.deliver(d, from));
        servers.add(s);
        return s;
    }

    private RelayServer relay(InetSocketAddress at, int host) {
        SimNetwork.Socket socket = net.publicSocket(host, at.getPort());
        RelayServer r = RelayServer.fed(at, outlet(socket), 1_000_000_000L, System::nanoTime, m -> log.add("relay: " + m),
                List.of(SERVER));
        socket.register(RelayMessage.TYPE, (from, d) -> r.deliver(d, from));
        servers.add(r);
        return r;
    }

    private static DatagramServer.Outlet outlet(SimNetwork.Socket socket) {
        return (data, length, to) -> socket.send(to, ByteBuffer.wrap(data, 0, length));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Member m : members) {
            m.instance().close();
        }
        serverClock.shutdownNow();
        assertTrue(serverClock.awaitTermination(5, TimeUnit.SECONDS));
        for (DatagramServer s : servers) {
            s.close();
        }
        control.shutdownNow();
        assertTrue(control.awaitTermination(5, TimeUnit.SECONDS));
        net.close();
    }

    /** A member of network {@code hash} alone behind a new NAT box of {@code kind}. */
    private Member member(String hash, NatKind kind, int host) throws Exception {
        return member(hash, kind, host, false);
    }

    private Member member(String hash, NatKind kind, int host, boolean relayOnly) throws Exception {
        return member(hash, kind, host, relayOnly, List.of("198.51.100.1:6881"));
    }

    private Member member(String hash, NatKind kind, int host, boolean relayOnly, List<String> bootstrap) throws Exception {
        SimNetwork.Nat nat = net.nat(nextNat++, kind);
        nat.servers.addAll(List.of(SERVER, RELAY_A, RELAY_B));
        SimNetwork.Socket socket = net.behind(nat, host);
        MemoryTap tap = (MemoryTap) taps.open(new TapSpec(hash + host, MacAddress.of(macBytes(0x0600_0000_0000L + host)),
                1500, Ipv4Cidr.parse("10.77.0." + host)), false);
        StaticKeys keys = suite.generateKeys();
        KeyQueue queue = new KeyQueue();
        queue.add(hash, Long.MAX_VALUE);
        String name = hash + "/" + host + " (" + kind + ")";
        NetworkInstance instance = new NetworkInstance(new NetworkInstance.Options(hash, bootstrap,
                Ipv4Cidr.parse("10.77.0." + host + "/24"), null, false, relayOnly), tap, socket, suite, keys, queue, control,
                new Networks.Log() {
                    @Override
                    public void info(String message) {
                        log.add(name + ": " + message);
                    }

                    @Override
                    public void error(String message) {
                        log.add(name + " ERROR: " + message);
                    }
                }, Mesh.Timing.DEFAULT, a -> { });
        instance.attach("holepunch", holePunch);
        instance.attach("proxy", relays);
        instance.join((ref, listener) -> Optional.of(dht.join(ref, listener)));
        Member m = new Member(name, nat, tap, instance, keys, host);
        members.add(m);
        return m;
    }

    /** How {@code from} reaches {@code to} now ({@code punched}, {@code relay HOST:PORT}...); null while not connected. */
    private static String path(Member from, Member to) {
        return from.instance().mesh().peer(PeerIds.of(to.keys().publicKey()))
                .filter(p -> p.state == PeerState.CONNECTED).map(p -> from.instance().mesh().pathOf(p)).orElse(null);
    }

    /** Waits until both members reach each other by a path that {@code on} accepts (named as {@code show} names it). */
    private void awaitBoth(Member a, Member b, java.util.function.Predicate<String> on, String what) {
        await(() -> on.test(path(a, b)) && on.test(path(b, a)), Duration.ofSeconds(20), what);
    }

    /** How many of {@code from}'s paths to {@code to} have a measured round-trip time. */
    private static long measured(Member from, Member to) {
        Mesh mesh = from.instance().mesh();
        return mesh.peer(PeerIds.of(to.keys().publicKey())).map(p -> mesh.paths(p).values().stream().filter(rtt -> rtt >= 0)
                .count()).orElse(0L);
    }

    private static boolean relayed(String path) {
        return path != null && path.startsWith("relay ");
    }

    private void await(BooleanSupplier c, Duration within, String what) {
        try {
            org.awaitility.Awaitility.await(what).atMost(within).pollInterval(Duration.ofMillis(20)).until(c::getAsBoolean);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<String> tail = log.subList(Math.max(0, log.size() - 80), log.size());
            StringBuilder state = new StringBuilder();
            for (Member m : members) {
                if (what.contains(m.name())) {
                    state.append(m.name()).append(":\n").append(String.join("\n", m.instance().debug())).append('\n');
                }
            }
            throw new AssertionError(what + " did not happen within " + within + ";\n" + state + "last log lines:\n"
                    + String.join("\n", tail), e);
        }
    }

    /** A frame from a's TAP comes out of b's, and one back. */
    private static void framesFlow(Member a, Member b, int seq) throws InterruptedException {
        for (Member[] d : new Member[][] {{a, b}, {b, a}}) {
            byte[] f = frame(d[1].mac(), d[0].mac(), seq);
            byte[] got = null;
            // the first frames to an unknown MAC flood; either way they must come out at the peer
            for (int attempt = 0; attempt < 20 && got == null; attempt++) {
                d[0].tap().inject(f);
                got = d[1].tap().takeWritten(250, TimeUnit.MILLISECONDS);
            }
            assertNotNull(got, "a frame from " + d[0].name() + " reached " + d[1].name());
            assertEquals(seq, ByteBuffer.wrap(got).getInt(14));
            while (d[1].tap().takeWritten(0, TimeUnit.MILLISECONDS) != null) {
                // the copies sent while waiting
            }
        }
    }

    /** Which pairs of NAT behaviour must get a direct (punched) path; all others must meet through a relay. */
    static boolean punchable(NatKind a, NatKind b) {
        EnumSet<NatKind> cones = EnumSet.of(NatKind.FULL_CONE, NatKind.ADDRESS_RESTRICTED, NatKind.PORT_RESTRICTED);
        if (a == NatKind.UDP_BLOCKED || b == NatKind.UDP_BLOCKED) {
            return false;
        }
        if (cones.contains(a) && cones.contains(b)) {
            return true;
        }
        NatKind sym = cones.contains(a) ? b : a;
        NatKind other = sym == a ? b : a;
        if (!cones.contains(other)) {
            return false; // both map every destination anew: neither can tell the other where to send
        }
        // a symmetric NAT's new mapping is reached by a cone that lets in what it did not send to,
        // or, for sequential ports, by one that probes the predicted ports
        return other != NatKind.PORT_RESTRICTED || sym == NatKind.SYMMETRIC_SEQUENTIAL;
    }

    @Test
    void everyPairOfNatsEndsOnTheBestPathThatCanWork() throws Exception {
        NatKind[] kinds = NatKind.values();
        List<Member[]> pairs = new ArrayList<>();
        int host = 1;
        for (int i = 0; i < kinds.length; i++) {
            for (int j = i; j < kinds.length; j++) {
                String hash = "pair-" + i + "-" + j;
                pairs.add(new Member[] {member(hash, kinds[i], host++), member(hash, kinds[j], host++)});
            }
        }
        long t0 = System.nanoTime();
        StringBuilder table = new StringBuilder("NAT pair | path | settled after\n");
        for (Member[] p : pairs) {
            Member a = p[0];
            Member b = p[1];
            boolean direct = punchable(a.nat().kind, b.nat().kind);
            String what = a.name() + " <-> " + b.name() + (direct ? " on a punched path" : " through a relay");
            await(() -> direct ? "punched".equals(path(a, b)) && "punched".equals(path(b, a))
                    : relayed(path(a, b)) && relayed(path(b, a)), Duration.ofSeconds(40), what);
            table.append(a.nat().kind).append(" <-> ").append(b.nat().kind).append(" | ").append(path(a, b))
                    .append(" | ").append(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).append(" ms\n");
        }
        // a relayed pair is relayed because nothing else can work: still so after the predicted probes
        for (Member[] p : pairs) {
            framesFlow(p[0], p[1], 7);
            boolean direct = punchable(p[0].nat().kind, p[1].nat().kind);
            assertEquals(direct, !relayed(path(p[0], p[1])), p[0].name() + " <-> " + p[1].name() + ": " + path(p[0], p[1]));
        }
        System.out.println(table);
    }

    @Test
    void whenTheRelayInUseDiesTrafficMovesToAnotherWithinFiveSeconds() throws Exception {
        Member a = member("failover", NatKind.SYMMETRIC_RANDOM, 1);
        Member b = member("failover", NatKind.SYMMETRIC_RANDOM, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        // both relays carry a path: each member allocated at both
        await(() -> a.instance().transports().announced().size() == 2
                && b.instance().transports().announced().size() == 2, Duration.ofSeconds(20), "allocated at both relays");
        framesFlow(a, b, 1);
        await(() -> measured(a, b) == 2 && measured(b, a) == 2, Duration.ofSeconds(20), "both relayed paths measured");
        String used = path(a, b);
        InetSocketAddress dead = used.equals("relay " + RELAY_A.getAddress().getHostAddress() + ":6882") ? RELAY_A : RELAY_B;
        String other = "relay " + (dead == RELAY_A ? RELAY_B : RELAY_A).getAddress().getHostAddress() + ":6882";
        net.block(dead, true);
        long died = System.nanoTime();
        await(() -> other.equals(path(a, b)) && other.equals(path(b, a)), Duration.ofSeconds(10), "moved to " + other);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - died);
        System.out.println("relay fail-over: " + ms + " ms");
        assertTrue(ms < 5_000, "fail-over took " + ms + " ms");
        String history = String.join("\n", a.instance().debug()) + String.join("\n", b.instance().debug());
        assertTrue(history.contains(" replaces silent " + dead.getAddress().getHostAddress() + ":")
                && history.contains("(" + other + ", "), "debug tells the story: " + history);
        // and it stays there: the dead relay is not taken back before it answers again
        org.awaitility.Awaitility.await("stays on " + other).during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(20)).until(() -> other.equals(path(a, b)) && other.equals(path(b, a)));
        framesFlow(a, b, 2);
    }

    @Test
    void whenTheBlockIsLiftedTrafficMovesFromTheRelayToAPunchedPath() throws Exception {
        Member a = member("lifted", NatKind.UDP_BLOCKED, 1);
        Member b = member("lifted", NatKind.PORT_RESTRICTED, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        framesFlow(a, b, 1);
        a.nat().kind = NatKind.PORT_RESTRICTED; // the firewall lets UDP through now
        long lifted = System.nanoTime();
        awaitBoth(a, b, "punched"::equals, "on the punched path");
        System.out.println("relay -> punched after the block was lifted: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lifted) + " ms");
        framesFlow(a, b, 2);
        assertEquals(PeerState.CONNECTED, a.instance().mesh().peer(PeerIds.of(b.keys().publicKey())).orElseThrow().state,
                "the session outlived the change of path");
    }

    @Test
    void aMemberStartedWithFwdIsReachedThroughARelayOnlyThoughAPunchedPathCouldWork() throws Exception {
        Member a = member("fwd", NatKind.FULL_CONE, 1, true);
        Member b = member("fwd", NatKind.FULL_CONE, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        Mesh.Peer aAtB = b.instance().mesh().peer(PeerIds.of(a.keys().publicKey())).orElseThrow();
        InetSocketAddress punchable = new InetSocketAddress(a.nat().publicAddress, 7001);
        // b probes a's public address too, and a never answers there
        await(() -> measured(b, a) >= 1 && b.instance().mesh().paths(aAtB).containsKey(punchable), Duration.ofSeconds(20),
                "b probed every path");
        framesFlow(a, b, 1);
        assertEquals(-1L, b.instance().mesh().paths(aAtB).get(punchable), "never answered on the punchable path");
        assertTrue(relayed(path(a, b)) && relayed(path(b, a)), path(a, b) + " / " + path(b, a));
        assertTrue(a.instance().mesh().notRelayed() > 0, "what came straight was dropped");
    }

    @Test
    void whenTheRelayTransportGoesAwayRelayedPeersLoseThatPathAndGetItBackWhenItReturns() throws Exception {
        Member a = member("hot-swap", NatKind.SYMMETRIC_RANDOM, 1);
        Member b = member("hot-swap", NatKind.SYMMETRIC_RANDOM, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        framesFlow(a, b, 1);
        a.instance().detach(relays); // the bundle was stopped on a's host
        assertEquals(List.of(), a.instance().transports().announced(), "a no longer stands at relays");
        a.tap().inject(frame(b.mac(), a.mac(), 2));
        assertEquals(null, b.tap().takeWritten(1, TimeUnit.SECONDS), "nothing reaches b without the relay transport");
        a.instance().attach("proxy", relays); // and started again: the relays discovery offered are still known
        await(() -> a.instance().transports().announced().size() == 2, Duration.ofSeconds(10), "a allocated again");
        framesFlow(a, b, 3);
        assertTrue(relayed(path(a, b)), path(a, b));
    }

    @Test
    void withTwoBootstrapServersAMemberLearnsWhetherItsNatMapsEveryDestinationAnew() throws Exception {
        SimNetwork.Socket second = net.publicSocket(4, 6881);
        InetSocketAddress at = second.localAddress();
        BootstrapServer s2 = BootstrapServer.fed(at, outlet(second), System::nanoTime, m -> log.add("dht2: " + m));
        second.register(DhtMessage.TYPE, (from, d) -> s2.deliver(d, from));
        servers.add(s2);
        List<String> both = List.of("198.51.100.1:6881", "198.51.100.4:6881");
        Member cone = member("nat-type", NatKind.PORT_RESTRICTED, 1, false, both);
        Member symmetric = member("nat-type", NatKind.SYMMETRIC_SEQUENTIAL, 2, false, both);
        await(() -> cone.instance().debug().contains("NAT mapping: endpoint-independent (one public port for every destination)")
                && symmetric.instance().debug().contains(
                        "NAT mapping: endpoint-dependent (a new public port for every destination: symmetric NAT)"),
                Duration.ofSeconds(10), "both learned their NAT's mapping");
    }

    @Test
    void establishedTunnelsOutliveTheBootstrapServerAndMembersComeBackToItsSuccessor() throws Exception {
        Member a = member("outlive", NatKind.FULL_CONE, 1);
        Member b = member("outlive", NatKind.PORT_RESTRICTED, 2);
        awaitBoth(a, b, "punched"::equals, "punched");
        BootstrapServer first = (BootstrapServer) servers.get(0);
        first.close();
        long down = System.nanoTime();
        // traffic keeps flowing for longer than the server's refresh interval and forget time of a member
        int seq = 0;
        while (System.nanoTime() - down < TimeUnit.SECONDS.toNanos(BootstrapServer.REFRESH_SECONDS + 4)) {
            framesFlow(a, b, ++seq);
            assertEquals("punched", path(a, b));
            a.tap().takeWritten(200, TimeUnit.MILLISECONDS); // paces the loop; nothing is expected there
        }
        BootstrapServer second = bootstrap();
        await(() -> second.members() == 2, Duration.ofSeconds(12), "both members registered again with the new server");
        framesFlow(a, b, ++seq);
    }

    private static byte[] frame(long dst, long src, int seq) {
        return MeshSimulationTest.frame(dst, src, seq, 64);
    }

    private static byte[] macBytes(long mac) {
        return MeshSimulationTest.macBytes(mac);
    }

    private static DhtDiscovery.Config dhtConfig() {
        return new DhtDiscovery.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DhtDiscovery.Config.class;
            }

            @Override
            public String servers() {
                return "";
            }
        };
    }

    /** An OSGi logger that says nothing (the simulation keeps its own log). */
    private static org.osgi.service.log.Logger quietLogger() {
        return (org.osgi.service.log.Logger) java.lang.reflect.Proxy.newProxyInstance(NatSimulationTest.class.getClassLoader(),
                new Class<?>[] {org.osgi.service.log.Logger.class},
                (proxy, method, args) -> method.getReturnType() == boolean.class ? Boolean.FALSE : null);
    }
}
