package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;

import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.SocketSlot;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.ThreadLoop;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.core.internal.mesh.WarmUp;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.spi.UdpSocket;

/**
 * Joins networks to their peers: for each, a socket, the node's keys, its own control loop, the
 * mesh, the transports attached as they come and go, and discovery ({@link NetworkInstance}).
 * The engine binds the plugins; this keeps the networks that use them, and swaps plugins under
 * them while they run: a socket provider that goes closes the networks' sockets and the next
 * binds the same ports ({@link SocketSlot}); crypto suites that come, go or are replaced are
 * taken up by each network's next handshakes ({@link Suites}); discovery providers are joined and
 * left as they come and go.
 */
final class DataPlane implements Plane {

    static final String SOCKETS = "udp";

    /** A running network joined to its peers, with its socket. */
    private record Joined(NetworkInstance instance, SocketSlot socket, String hash, String networkId, String device) {
    }

    private final PluginRegistry<SocketProvider> sockets;
    private final PluginRegistry<CryptoSuite> cryptos;
    private final PluginRegistry<Transport> transports;
    private final PluginRegistry<DiscoveryProvider> discoveries;
    private final Path stateDir;
    private final MeshLog log;
    /** The engine's thread: what may block for a network (its warm-up, an address given to its TAP) runs there. */
    private final ScheduledExecutorService engine;
    private final Swaps swaps;
    /** The crypto suites there are, best first, which every network's handshakes pick from. */
    private final Suites suites = new Suites();
    private volatile Networks networks;
    /**
     * Guards the transports' and discovery providers' registries together with the networks that
     * use them ({@link #live}), and the swaps of sockets, suites and providers under them.
     */
    private final Object lock = new Object();
    /** The running networks' data planes, which every transport is attached to. */
    private final List<Joined> live = new CopyOnWriteArrayList<>();
    // guarded by lock: the swaps under way (a plugin went from running networks), by kind and name
    private final Map<String, Swaps.Swap> pending = new HashMap<>();
    private boolean warm; // owned by the engine's thread
    private final Warming warming;
    /** The TAP driver in use (the engine's choice), for the warm-up. */
    private volatile Supplier<Optional<TapDriver>> tapDriver = Optional::empty;

    private volatile boolean pmtu;

    DataPlane(PluginRegistry<SocketProvider> sockets, PluginRegistry<CryptoSuite> cryptos,
            PluginRegistry<Transport> transports, PluginRegistry<DiscoveryProvider> discoveries, Path stateDir,
            MeshLog log, ScheduledExecutorService engine, Swaps swaps) {
        this.sockets = sockets;
        this.cryptos = cryptos;
        this.transports = transports;
        this.discoveries = discoveries;
        this.stateDir = stateDir;
        this.log = log;
        this.engine = engine;
        this.swaps = swaps;
        this.warming = new Warming(suites, stateDir, log);
    }

    /** {@code -pmtu}: the networks joined from now on fit their frames to each peer's path. */
    void pmtu(boolean on) {
        pmtu = on;
    }

    /** The networks whose addresses a bootstrap server hands out (told once, before any attach). */
    void networks(Networks n) {
        networks = n;
    }

    @Override
    public boolean ready() {
        return sockets.named(SOCKETS).isPresent() && !suites.all().isEmpty();
    }

    @Override
    public String missing(NetworkSpec spec) {
        List<String> out = new ArrayList<>();
        if (sockets.named(SOCKETS).isEmpty()) {
            out.add("the UDP socket provider '" + SOCKETS + "' (bundle io.subutai.p2p.transport.udp)");
        }
        String suite = suiteMissing(spec.requiredSuite());
        if (suite != null) {
            out.add(suite);
        }
        return out.isEmpty() ? "waiting to be joined to its peers" : "waiting for " + String.join(" and ", out);
    }

    /** The crypto suite a network lacks, in words; null when it has what it accepts. */
    private String suiteMissing(String required) {
        if (suites.all().isEmpty()) {
            return "a crypto suite (bundle io.subutai.p2p.crypto)";
        }
        if (suites.allowed(required).isEmpty()) {
            return "the crypto suite " + required + " that it accepts only (-crypto)"
                    + (Suites.PQ.equals(required) ? "; install it: p2p:feature-install p2p-crypto-pq" : "");
        }
        return null;
    }

    /**
     * The boot's warm-up ({@link Warming#atBoot}), once. The engine's thread's.
     *
     * @param tap the TAP driver in use now, whenever asked
     */
    void warmUp(Supplier<Optional<TapDriver>> tap) {
        tapDriver = tap;
        if (warm) {
            return;
        }
        warm = true;
        Optional<TapDriver> driver = tap.get();
        sockets.named(SOCKETS).map(PluginRegistry.Plugin::service).ifPresent(sp -> {
            warming.atBoot(sp, driver);
            warming.pair(sp, driver.orElse(null)); // compiled before any network's first frame
        });
    }

    /** Stops what the plane runs of its own (the warm-up); the engine's deactivation. */
    void close() {
        warming.close();
    }

    // ---- transports ----

    /** A transport arrived: every running network may use it now. */
    void transportAdded(Runnable register, Transport transport) {
        synchronized (lock) {
            register.run();
            transports.snapshot().stream().filter(p -> p.service() == transport).findFirst()
                    .ifPresent(p -> live.forEach(j -> j.instance().attach(p.name(), transport)));
        }
    }

    /** A transport left: no network uses it any more. */
    void transportRemoved(Runnable unregister, Transport transport) {
        synchronized (lock) {
            unregister.run();
            live.forEach(j -> j.instance().detach(transport));
        }
    }

    // ---- discovery ----

    /** A discovery provider arrived: every running network joins it. */
    void discoveryAdded(Runnable register, DiscoveryProvider provider) {
        synchronized (lock) {
            register.run();
            Optional<PluginRegistry.Plugin<DiscoveryProvider>> p = discoveries.snapshot().stream()
                    .filter(d -> d.service() == provider).findFirst();
            if (p.isEmpty()) {
                return;
            }
            List<String> joined = new ArrayList<>();
            for (Joined j : live) {
                if (join(j.instance(), p.get())) {
                    joined.add(j.networkId());
                }
            }
            if (!joined.isEmpty()) {
                log.info("Discovery '" + p.get().name() + "' (" + p.get().origin() + ") joined by networks " + joined);
            }
            arrived("discovery", p.get().name(), p.get().origin(), 0, "joined by " + joined.size() + " networks");
        }
    }

    /** A discovery provider left: the networks leave it; the peers it found stay connected. */
    void discoveryRemoved(Runnable unregister, DiscoveryProvider provider) {
        synchronized (lock) {
            Optional<PluginRegistry.Plugin<DiscoveryProvider>> p = discoveries.snapshot().stream()
                    .filter(d -> d.service() == provider).findFirst();
            unregister.run();
            List<Joined> left = new ArrayList<>();
            for (Joined j : live) {
                if (j.instance().leave(provider)) {
                    left.add(j);
                }
            }
            p.ifPresent(d -> left("discovery", d.name(), d.origin(), left));
        }
    }

    private boolean join(NetworkInstance instance, PluginRegistry.Plugin<DiscoveryProvider> d) {
        return instance.join(d.service(), (ref, listener) -> discoveries.call(d, "join", p -> p.join(ref, listener)));
    }

    // ---- crypto suites ----

    /**
     * The crypto suites changed: the networks' next handshakes pick from those there now. A suite
     * that came (a new one, or a new version of one) is taken up at once: every connected peer
     * gets a new handshake while the sessions made before carry the traffic. One that went is
     * not used for new handshakes; the sessions it made live out their time.
     *
     * @param change runs the change of the registry, under the plane's lock
     * @param came   the suite that came, or null when one went
     */
    void cryptosChanged(Runnable change, CryptoSuite came) {
        synchronized (lock) {
            change.run();
            List<Suites.Suite> next = new ArrayList<>();
            for (PluginRegistry.Plugin<CryptoSuite> p : cryptos.snapshot()) {
                cryptos.call(p, "wireId", CryptoSuite::wireId).ifPresent(id -> next.add(new Suites.Suite(p.name(), id,
                        p.service())));
            }
            suites.set(next);
            if (came == null) {
                return;
            }
            Optional<PluginRegistry.Plugin<CryptoSuite>> p = cryptos.snapshot().stream()
                    .filter(c -> c.service() == came).findFirst();
            if (p.isEmpty() || live.isEmpty()) {
                return;
            }
            String name = p.get().name();
            String origin = p.get().origin();
            Swaps.Swap swap = pending.remove("crypto " + name);
            if (swap == null) { // a suite that is new, or came back after networks started without it
                swap = swaps.begin("crypto", name, "", hashes(live), ids(live));
            }
            Swaps.Swap s = swap;
            java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(live.size());
            List<String> outcomes = new CopyOnWriteArrayList<>();
            for (Joined j : live) {
                j.instance().mesh().suitesChanged(outcome -> {
                    outcomes.add("network " + j.networkId() + ": " + outcome);
                    if (remaining.decrementAndGet() == 0) {
                        swaps.end(s, origin, 0, String.join("; ", outcomes));
                    }
                });
            }
        }
    }

    /** Records that a suite is going (called before the registry forgets it). */
    void cryptoLeaving(CryptoSuite suite) {
        synchronized (lock) {
            cryptos.snapshot().stream().filter(p -> p.service() == suite).findFirst()
                    .ifPresent(p -> left("crypto", p.name(), p.origin(), live));
        }
    }

    // ---- sockets ----

    /**
     * The socket provider went: every network's socket closes (sends are dropped) and waits for
     * the next provider, which binds the same port.
     */
    void socketGone(Runnable unregister, SocketProvider provider, long nowNanos) {
        synchronized (lock) {
            Optional<PluginRegistry.Plugin<SocketProvider>> p = sockets.snapshot().stream()
                    .filter(s -> s.service() == provider).findFirst();
            unregister.run();
            List<Joined> touched = new ArrayList<>();
            for (Joined j : live) {
                if (j.socket().provider() == provider && j.socket().detach("waiting for the UDP socket provider '"
                        + SOCKETS + "' to bind port " + j.socket().port() + " again", nowNanos)) {
                    touched.add(j); // its sockets go with it, whichever provider is the one to use now
                }
            }
            if (touched.isEmpty()) {
                return;
            }
            p.ifPresent(s -> left("socket", s.name(), s.origin(), touched));
        }
        socketsChanged(nowNanos);
    }

    /**
     * A socket provider is there (it came, or another is the one to use now): every network whose
     * socket waits gets one from it, at the same port, so NAT mappings and punched holes survive.
     * A port that cannot be bound again (another process took it meanwhile) is tried again every
     * second while the provider is there; the network says so in {@code status} meanwhile.
     */
    void socketsChanged(long nowNanos) {
        socketsChanged(nowNanos, false);
    }

    /** @param retry whether this is a try again after a port could not be bound (its failure is on record already) */
    private void socketsChanged(long nowNanos, boolean retry) {
        synchronized (lock) {
            Optional<PluginRegistry.Plugin<SocketProvider>> p = sockets.named(SOCKETS);
            if (p.isEmpty()) {
                return;
            }
            long worst = 0;
            List<String> failed = new ArrayList<>();
            int rebound = 0;
            for (Joined j : live) {
                SocketSlot slot = j.socket();
                if (slot.attached()) {
                    continue;
                }
                UdpSocket next = null;
                long gap;
                try {
                    next = p.get().service().open(j.device(), slot.port(), slot.port());
                    gap = slot.attach(next, p.get().service(), System.nanoTime());
                } catch (IOException | RuntimeException | LinkageError e) {
                    if (next != null) {
                        next.close();
                    }
                    String problem = "the socket provider '" + SOCKETS + "' (" + p.get().origin() + ") cannot bind port "
                            + slot.port() + " again: " + e.getMessage();
                    slot.stillWaiting(problem + "; trying again every second");
                    log.warn("Network " + j.networkId() + ": " + problem);
                    failed.add(j.networkId());
                    continue;
                }
                worst = Math.max(worst, gap);
                rebound++;
                log.info("Network " + j.networkId() + ": socket bound again at port " + slot.port() + " by "
                        + p.get().origin() + " after " + gap / 1_000_000 + " ms");
            }
            if (!failed.isEmpty()) {
                try {
                    engine.schedule(() -> socketsChanged(System.nanoTime(), true), 1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the engine is stopping
                }
            }
            if (rebound > 0 || !failed.isEmpty() && !retry) {
                arrived("socket", p.get().name(), p.get().origin(), failed.isEmpty() ? worst / 1_000_000 : -1,
                        failed.isEmpty() ? "sockets bound again at the same ports: " + rebound
                                : "waiting: cannot bind again in " + failed);
            }
        }
    }

    // ---- the record of swaps (caller holds lock) ----

    private void left(String kind, String name, String origin, List<Joined> touched) {
        if (!touched.isEmpty()) {
            pending.put(kind + " " + name, swaps.begin(kind, name, origin, hashes(touched), ids(touched)));
        }
    }

    private void arrived(String kind, String name, String origin, long gapMillis, String outcome) {
        Swaps.Swap s = pending.get(kind + " " + name);
        if (s == null) {
            return; // nothing was waiting for it: not a swap
        }
        if (gapMillis >= 0) {
            pending.remove(kind + " " + name);
        }
        swaps.end(s, origin, gapMillis, outcome);
    }

    private static List<String> hashes(List<Joined> networks) {
        List<String> out = new ArrayList<>();
        networks.forEach(j -> out.add(j.hash()));
        return out;
    }

    private static List<String> ids(List<Joined> networks) {
        List<String> out = new ArrayList<>();
        networks.forEach(j -> out.add(j.networkId()));
        return out;
    }

    // ---- joining ----

    @Override
    public Plane.Attached attach(NetworkSpec spec, NetworkSecrets secrets, TapDevice device) throws IOException {
        SocketProvider sp = sockets.named(SOCKETS).map(PluginRegistry.Plugin::service)
                .orElseThrow(() -> new IOException("no UDP socket provider (bundle io.subutai.p2p.transport.udp)"));
        String required = spec.requiredSuite();
        String lacking = suiteMissing(required);
        if (lacking != null) {
            throw new IOException("this daemon lacks " + lacking);
        }
        StaticKeys self = NodeKeys.forNetwork(NodeKeys.load(stateDir.resolve("node.key"), suites.allowed(required).get(0).impl(),
                log), secrets.networkId()); // one key per network: no one links this node across networks
        SocketSlot socket = new SocketSlot(sp.open(device.name(), spec.ports().min(), spec.ports().max()), sp);
        String hash = spec.request().hash();
        KeyQueue keys = secrets.keyQueue();
        Networks n = networks;
        NetworkInstance instance = new NetworkInstance(new NetworkInstance.Options(secrets.networkId(), spec.dht(),
                spec.address(), n.previous(hash), spec.automatic(), spec.request().fwd(), required,
                spec.request().bridge(), spec.request().proxy()), device, socket, suites,
                self, keys, new ThreadLoop(device.name(), log), engine, log, Timing.DEFAULT, address -> n.assigned(hash, address),
                (server, key) -> n.serverKeyLearned(hash, server, key));
        instance.mesh().pmtu(pmtu);
        log.info("UDP port of network " + secrets.networkId() + ": " + socket.localAddress().getPort()
                + (required == null ? "" : "; crypto suite " + required + " only"));
        try {
            // the code of the first handshake, warm again, and this socket's paths, while discovery finds the peers
            List<Suites.Suite> all = suites.allowed(required);
            engine.execute(() -> all.forEach(s -> WarmUp.run(s.impl(), socket, log)));
            warming.pair(sp, tapDriver.get().orElse(null)); // made at boot already, unless the boot could not
        } catch (RejectedExecutionException e) {
            // the engine is stopping
        }
        Joined joined = new Joined(instance, socket, hash, secrets.networkId(), device.name());
        synchronized (lock) { // a plugin that comes or goes meanwhile is seen once, either here or there
            live.add(joined);
            if (sockets.snapshot().stream().noneMatch(p -> p.service() == sp)) { // its provider left meanwhile
                socket.detach("waiting for the UDP socket provider '" + SOCKETS + "' to bind port " + socket.port()
                        + " again", System.nanoTime());
                engine.execute(() -> socketsChanged(System.nanoTime()));
            }
            for (PluginRegistry.Plugin<Transport> t : transports.snapshot()) {
                instance.attach(t.name(), t.service());
            }
            for (PluginRegistry.Plugin<DiscoveryProvider> d : discoveries.snapshot()) {
                join(instance, d);
            }
        }
        return new Plane.Attached() {

            @Override
            public NetworkSnapshot snapshot(NetworkInfo network) {
                NetworkSnapshot s = instance.snapshot(network);
                List<String> waiting = new ArrayList<>();
                if (!socket.attached()) {
                    waiting.add(socket.waiting());
                }
                String suite = suiteMissing(required);
                if (suite != null) {
                    waiting.add("waiting for " + suite + " (sessions made before carry the traffic until they expire)");
                }
                return waiting.isEmpty() ? s : s.waitingFor(waiting);
            }

            @Override
            public void addKey(String key, long until) {
                instance.addKey(key, until);
            }

            @Override
            public void revoke(String peerId) {
                instance.revoke(peerId);
            }

            @Override
            public String holder(io.subutai.p2p.api.Ipv4Cidr address) {
                return instance.holder(address);
            }

            @Override
            public void readdress(io.subutai.p2p.api.Ipv4Cidr address) {
                instance.readdress(address);
            }

            @Override
            public io.subutai.p2p.api.NetworkCounters counted() {
                return instance.counted();
            }

            @Override
            public void close() {
                synchronized (lock) {
                    live.remove(joined);
                }
                instance.close();
                socket.close();
            }
        };
    }
}
