package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.core.internal.NetworkInstance;
import io.subutai.p2p.core.internal.mesh.Endpoints;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.PeerIds;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.core.internal.render.Renderer;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.discovery.dht.internal.DhtDiscovery;
import io.subutai.p2p.servers.internal.BootstrapServer;
import io.subutai.p2p.servers.internal.DatagramServer;
import io.subutai.p2p.servers.internal.RelayServer;
import io.subutai.p2p.servers.internal.ServerKey;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;
import io.subutai.p2p.testing.SimNetwork.NatKind;
import io.subutai.p2p.transport.holepunch.internal.HolePunchTransport;
import io.subutai.p2p.transport.proxy.internal.RelayTransport;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * Whole network instances (mesh, relay client, bootstrap discovery) behind simulated NAT boxes
 * of every common behaviour, with a bootstrap server and two relays on the simulated public
 * network: which path each pair of NATs ends on, relay fail-over, the move from a relay to a
 * punched path when a block is lifted, and tunnels that outlive their bootstrap server. Product
 * timing throughout (probe rounds every 5 s, fail-over after 3 s of silence), on a virtual clock.
 */
class NatSimulationTest {

    private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.1", 6881);
    private static final InetSocketAddress RELAY_A = new InetSocketAddress("198.51.100.2", 6882);
    private static final InetSocketAddress RELAY_B = new InetSocketAddress("198.51.100.3", 6882);

    private final VirtualClock clock = new VirtualClock(1_800_000_000_000L);
    private final SimNetwork net = new SimNetwork(clock);
    private final MemoryTapDriver taps = new MemoryTapDriver();
    private final NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
    /** Each network's hash, stretched once for all the members of these tests (as each daemon does once). */
    private static final java.util.Map<String, byte[]> STRETCHED = new java.util.concurrent.ConcurrentHashMap<>();
    private final DhtDiscovery dht = new DhtDiscovery(dhtConfig(), quietLogger());
    private final Transport holePunch = new HolePunchTransport();
    private final Transport relays = new RelayTransport();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<Member> members = new ArrayList<>();
    private final List<DatagramServer> servers = new CopyOnWriteArrayList<>();
    private SimNetwork.Socket serverSocket;
    private int nextNat = 1;

    record Member(String name, SimNetwork.Nat nat, MemoryTap tap, NetworkInstance instance, StaticKeys keys, int host) {
        long mac() {
            return 0x0600_0000_0000L + host;
        }
    }

    @BeforeEach
    void servers() {
        // the servers' once-a-second work, on the simulation's clock: without a socket they have no thread
        clock.every(() -> servers.forEach(DatagramServer::tick), TimeUnit.MILLISECONDS.toNanos(250));
        serverSocket = net.publicSocket(1, SERVER.getPort());
        BootstrapServer s = bootstrap();
        relay(RELAY_A, 2);
        relay(RELAY_B, 3);
        // as in the field, the relays are known before members come (else they learn them at their next refresh)
        await(() -> s.relays() == 2, Duration.ofSeconds(5), "the relays announced themselves");
    }

    /** The bootstrap server's key, which its successor keeps (as in its state directory): members pinned it. */
    private final ServerKey serverKey = ServerKey.ephemeral();

    private BootstrapServer bootstrap() {
        BootstrapServer s = BootstrapServer.fed(SERVER, outlet(serverSocket), clock::nanoTime, m -> log.add("dht: " + m),
                serverKey, List.of(RELAY_A, RELAY_B)); // the relays are on other hosts: allowed
        serverSocket.register(DhtMessage.TYPE, (from, d) -> s.deliver(d, from));
        servers.add(s);
        return s;
    }

    private RelayServer relay(InetSocketAddress at, int host) {
        SimNetwork.Socket socket = net.publicSocket(host, at.getPort());
        RelayServer r = RelayServer.fed(at, outlet(socket), 1_000_000_000L, clock::nanoTime, m -> log.add("relay: " + m),
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
        for (DatagramServer s : servers) {
            s.close();
        }
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
        MemoryTap tap = (MemoryTap) taps.open(new TapSpec(hash + host, MacAddress.of(Frames.mac(0x0600_0000_0000L + host)),
                1500, Ipv4Cidr.parse("10.77.0." + host)), false);
        clock.settlesWhen(tap::idle);
        StaticKeys keys = suite.generateKeys();
        byte[] secret = STRETCHED.computeIfAbsent(hash, io.subutai.p2p.core.internal.mesh.Secrets::stretch);
        KeyQueue queue = new KeyQueue();
        queue.addStretched(secret, Long.MAX_VALUE);
        String name = hash + "/" + host + " (" + kind + ")";
        NetworkInstance instance = new NetworkInstance(new NetworkInstance.Options(
                io.subutai.p2p.core.internal.mesh.Secrets.networkId(secret), bootstrap,
                Ipv4Cidr.parse("10.77.0." + host + "/24"), null, false, relayOnly), tap, socket, Suites.classic(suite), keys, queue,
                clock.loop(), Runnable::run, Logs.into(log, name), Timing.DEFAULT, a -> { });
        instance.attach("holepunch", holePunch);
        instance.attach("proxy", relays);
        instance.join((ref, listener) -> Optional.of(dht.join(ref, listener)));
        Member m = new Member(name, nat, tap, instance, keys, host);
        members.add(m);
        return m;
    }

    /** How {@code from} reaches {@code to} now; null while not connected. */
    private static PathSnapshot path(Member from, Member to) {
        return peer(from, to).filter(p -> p.state() == PeerState.CONNECTED).map(PeerSnapshot::path).orElse(null);
    }

    private static Optional<PeerSnapshot> peer(Member from, Member to) {
        return from.instance().mesh().snapshot(PeerIds.of(to.keys().publicKey()));
    }

    /** The path as {@code show} names it ({@code punched}, {@code relay HOST:PORT}...), for messages. */
    private static String named(PathSnapshot p) {
        return p == null ? null : p.kind().label(p.relay());
    }

    private static boolean punched(PathSnapshot p) {
        return p != null && p.kind() == PathKind.PUNCHED;
    }

    /** What {@code debug} prints of a member's network after its hash and interface. */
    private static List<String> debug(Member m) {
        return Renderer.network(m.instance().snapshot(new NetworkInfo(m.name(), "", "", 0, m.tap().name())));
    }

    /** Waits until both members reach each other by a path that {@code on} accepts. */
    private void awaitBoth(Member a, Member b, java.util.function.Predicate<PathSnapshot> on, String what) {
        await(() -> on.test(path(a, b)) && on.test(path(b, a)), Duration.ofSeconds(20), what);
    }

    /** How many of {@code from}'s paths to {@code to} have a measured round-trip time. */
    private static long measured(Member from, Member to) {
        return peer(from, to).map(p -> p.paths().stream().filter(s -> s.rttMicros() >= 0).count()).orElse(0L);
    }

    /** The round-trip time {@code from} measured on its path to {@code to} at {@code at}, in µs (-1 never answered); null when unknown. */
    private static Long rtt(Member from, Member to, InetSocketAddress at) {
        return peer(from, to).flatMap(p -> p.paths().stream().filter(s -> s.endpoint().equals(Endpoints.text(at)))
                .findFirst()).map(PathSnapshot::rttMicros).orElse(null);
    }

    private static boolean relayed(PathSnapshot path) {
        return path != null && path.kind() == PathKind.RELAY;
    }

    private Duration await(BooleanSupplier c, Duration within, String what) {
        return clock.await(c, within, what, () -> {
            List<String> tail = log.subList(Math.max(0, log.size() - 80), log.size());
            StringBuilder state = new StringBuilder();
            for (Member m : members) {
                if (what.contains(m.name())) {
                    state.append(m.name()).append(":\n").append(String.join("\n", debug(m))).append('\n');
                }
            }
            return state + "last log lines:\n" + String.join("\n", tail);
        });
    }

    /** A frame from a's TAP comes out of b's, and one back. */
    private void framesFlow(Member a, Member b, int seq) throws InterruptedException {
        for (Member[] d : new Member[][] {{a, b}, {b, a}}) {
            byte[] f = frame(d[1].mac(), d[0].mac(), seq);
            byte[][] got = new byte[1][];
            // the first frames to an unknown MAC flood; either way they must come out at the peer
            for (int attempt = 0; attempt < 20 && got[0] == null; attempt++) {
                d[0].tap().inject(f);
                clock.runUntil(() -> (got[0] = poll(d[1])) != null, Duration.ofMillis(250));
            }
            assertNotNull(got[0], "a frame from " + d[0].name() + " reached " + d[1].name());
            assertEquals(seq, ByteBuffer.wrap(got[0]).getInt(14));
            while (poll(d[1]) != null) {
                // the copies sent while waiting
            }
        }
    }

    private static byte[] poll(Member m) {
        try {
            return m.tap().takeWritten(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
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
        long t0 = clock.nanoTime();
        StringBuilder table = new StringBuilder("NAT pair | path | settled after (simulated time)\n");
        for (Member[] p : pairs) {
            Member a = p[0];
            Member b = p[1];
            boolean direct = punchable(a.nat().kind, b.nat().kind);
            String what = a.name() + " <-> " + b.name() + (direct ? " on a punched path" : " through a relay");
            await(() -> direct ? punched(path(a, b)) && punched(path(b, a))
                    : relayed(path(a, b)) && relayed(path(b, a)), Duration.ofSeconds(40), what);
            table.append(a.nat().kind).append(" <-> ").append(b.nat().kind).append(" | ").append(named(path(a, b)))
                    .append(" | ").append(TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - t0)).append(" ms\n");
        }
        // a relayed pair is relayed because nothing else can work: still so after the predicted probes
        for (Member[] p : pairs) {
            framesFlow(p[0], p[1], 7);
            boolean direct = punchable(p[0].nat().kind, p[1].nat().kind);
            assertEquals(direct, !relayed(path(p[0], p[1])), p[0].name() + " <-> " + p[1].name() + ": " + named(path(p[0], p[1])));
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
        String used = named(path(a, b));
        InetSocketAddress dead = used.equals("relay " + RELAY_A.getAddress().getHostAddress() + ":6882") ? RELAY_A : RELAY_B;
        String other = "relay " + (dead == RELAY_A ? RELAY_B : RELAY_A).getAddress().getHostAddress() + ":6882";
        net.block(dead, true);
        Duration took = await(() -> other.equals(named(path(a, b))) && other.equals(named(path(b, a))),
                Duration.ofSeconds(10), "moved to " + other);
        long ms = took.toMillis();
        System.out.println("relay fail-over: " + ms + " ms (simulated)");
        assertTrue(ms < 5_000, "fail-over took " + ms + " ms");
        String history = String.join("\n", debug(a)) + String.join("\n", debug(b));
        assertTrue(history.contains(" replaces silent " + dead.getAddress().getHostAddress() + ":")
                && history.contains("(" + other + ", "), "debug tells the story: " + history);
        // and it stays there: the dead relay is not taken back before it answers again
        clock.holds(() -> other.equals(named(path(a, b))) && other.equals(named(path(b, a))), Duration.ofSeconds(4),
                "stays on " + other);
        framesFlow(a, b, 2);
    }

    /**
     * A path through a relay is probed through it: with every path narrower somewhere than its
     * first hop, what crosses to the relay in its envelope is found, and frames then cross without
     * a datagram that a router would fragment.
     */
    @Test
    void aRelayedPathsMtuIsFoundThroughTheRelay() throws Exception {
        net.pathMtu(1280);
        Member a = member("relay-mtu", NatKind.UDP_BLOCKED, 1);
        Member b = member("relay-mtu", NatKind.PORT_RESTRICTED, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        int fits = 1280 - 28 - RelayMessage.ENVELOPE;
        await(() -> peer(a, b).orElseThrow().probedDatagram() == fits && peer(b, a).orElseThrow().probedDatagram() == fits,
                Duration.ofSeconds(10), "both found " + fits + " bytes through the relay");
        assertEquals(fits, peer(a, b).orElseThrow().maxDatagram());
        framesFlow(a, b, 1);
        long fragmented = net.fragmented.get();
        for (int i = 0; i < 20; i++) {
            a.tap().inject(Frames.frame(b.mac(), a.mac(), 100 + i, 1400));
        }
        int[] got = new int[1];
        clock.runUntil(() -> {
            while (poll(b) != null) {
                got[0]++;
            }
            return got[0] == 20;
        }, Duration.ofSeconds(5));
        assertEquals(20, got[0], "full-sized frames crossed the relay");
        assertEquals(fragmented, net.fragmented.get(), "no datagram exceeded the path");
    }

    @Test
    void whenTheBlockIsLiftedTrafficMovesFromTheRelayToAPunchedPath() throws Exception {
        Member a = member("lifted", NatKind.UDP_BLOCKED, 1);
        Member b = member("lifted", NatKind.PORT_RESTRICTED, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        framesFlow(a, b, 1);
        a.nat().kind = NatKind.PORT_RESTRICTED; // the firewall lets UDP through now
        long lifted = clock.nanoTime();
        awaitBoth(a, b, NatSimulationTest::punched, "on the punched path");
        System.out.println("relay -> punched after the block was lifted: "
                + TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - lifted) + " ms (simulated)");
        framesFlow(a, b, 2);
        assertEquals(PeerState.CONNECTED, peer(a, b).orElseThrow().state(), "the session outlived the change of path");
    }

    @Test
    void aMemberStartedWithFwdIsReachedThroughARelayOnlyThoughAPunchedPathCouldWork() throws Exception {
        Member a = member("fwd", NatKind.FULL_CONE, 1, true);
        Member b = member("fwd", NatKind.FULL_CONE, 2);
        awaitBoth(a, b, NatSimulationTest::relayed, "connected through a relay");
        InetSocketAddress punchable = new InetSocketAddress(a.nat().publicAddress, 7001);
        // b probes a's public address too, and a never answers there
        await(() -> measured(b, a) >= 1 && rtt(b, a, punchable) != null, Duration.ofSeconds(20), "b probed every path");
        framesFlow(a, b, 1);
        assertEquals(-1L, rtt(b, a, punchable), "never answered on the punchable path");
        assertTrue(relayed(path(a, b)) && relayed(path(b, a)), named(path(a, b)) + " / " + named(path(b, a)));
        assertTrue(a.instance().mesh().counters().notRelayed() > 0, "what came straight was dropped");
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
        assertFalse(clock.runUntil(() -> poll(b) != null, Duration.ofSeconds(1)), "nothing reaches b without the relay transport");
        a.instance().attach("proxy", relays); // and started again: the relays discovery offered are still known
        await(() -> a.instance().transports().announced().size() == 2, Duration.ofSeconds(10), "a allocated again");
        framesFlow(a, b, 3);
        assertTrue(relayed(path(a, b)), named(path(a, b)));
    }

    @Test
    void withTwoBootstrapServersAMemberLearnsWhetherItsNatMapsEveryDestinationAnew() throws Exception {
        SimNetwork.Socket second = net.publicSocket(4, 6881);
        InetSocketAddress at = second.localAddress();
        BootstrapServer s2 = BootstrapServer.fed(at, outlet(second), clock::nanoTime, m -> log.add("dht2: " + m),
                ServerKey.ephemeral(), List.of(RELAY_A, RELAY_B));
        second.register(DhtMessage.TYPE, (from, d) -> s2.deliver(d, from));
        servers.add(s2);
        List<String> both = List.of("198.51.100.1:6881", "198.51.100.4:6881");
        Member cone = member("nat-type", NatKind.PORT_RESTRICTED, 1, false, both);
        Member symmetric = member("nat-type", NatKind.SYMMETRIC_SEQUENTIAL, 2, false, both);
        await(() -> debug(cone).contains("NAT mapping: endpoint-independent (one public port for every destination)")
                && debug(symmetric).contains(
                        "NAT mapping: endpoint-dependent (a new public port for every destination: symmetric NAT)"),
                Duration.ofSeconds(10), "both learned their NAT's mapping");
    }

    @Test
    void establishedTunnelsOutliveTheBootstrapServerAndMembersComeBackToItsSuccessor() throws Exception {
        Member a = member("outlive", NatKind.FULL_CONE, 1);
        Member b = member("outlive", NatKind.PORT_RESTRICTED, 2);
        awaitBoth(a, b, NatSimulationTest::punched, "punched");
        BootstrapServer first = (BootstrapServer) servers.get(0);
        first.close();
        long down = clock.nanoTime();
        // traffic keeps flowing for longer than the server's refresh interval and forget time of a member
        int seq = 0;
        while (clock.nanoTime() - down < TimeUnit.SECONDS.toNanos(BootstrapServer.REFRESH_SECONDS + 4)) {
            framesFlow(a, b, ++seq);
            assertEquals(PathKind.PUNCHED, path(a, b).kind());
            clock.advance(Duration.ofMillis(200)); // paces the loop
        }
        BootstrapServer second = bootstrap();
        await(() -> second.members() == 2, Duration.ofSeconds(12), "both members registered again with the new server");
        framesFlow(a, b, ++seq);
    }

    private static byte[] frame(long dst, long src, int seq) {
        return Frames.frame(dst, src, seq, 64);
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

            @Override
            public boolean localEndpoints() {
                return true;
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
