package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.MeshLog;
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
 * The engine binds the plugins; this keeps the networks that use them.
 */
final class DataPlane implements Plane {

    static final String SOCKETS = "udp";
    static final String CRYPTO = "noise-ikpsk2";

    private final PluginRegistry<SocketProvider> sockets;
    private final PluginRegistry<CryptoSuite> cryptos;
    private final PluginRegistry<Transport> transports;
    private final PluginRegistry<DiscoveryProvider> discoveries;
    private final Path stateDir;
    private final MeshLog log;
    /** The engine's thread: what may block for a network (its warm-up, an address given to its TAP) runs there. */
    private final Executor engine;
    private volatile Networks networks;
    /** Guards the transports' registry together with the networks that use them ({@link #live}). */
    private final Object transportLock = new Object();
    /** The running networks' data planes, which every transport is attached to. */
    private final List<NetworkInstance> live = new CopyOnWriteArrayList<>();
    private boolean warm; // owned by the engine's thread

    DataPlane(PluginRegistry<SocketProvider> sockets, PluginRegistry<CryptoSuite> cryptos,
            PluginRegistry<Transport> transports, PluginRegistry<DiscoveryProvider> discoveries, Path stateDir,
            MeshLog log, Executor engine) {
        this.sockets = sockets;
        this.cryptos = cryptos;
        this.transports = transports;
        this.discoveries = discoveries;
        this.stateDir = stateDir;
        this.log = log;
        this.engine = engine;
    }

    /** The networks whose addresses a bootstrap server hands out (told once, before any attach). */
    void networks(Networks n) {
        networks = n;
    }

    @Override
    public boolean ready() {
        return sockets.named(SOCKETS).isPresent() && cryptos.named(CRYPTO).isPresent();
    }

    /**
     * Once the socket provider and the crypto suite are there: loads the node key and opens a
     * socket, sends on it and runs a handshake, so that the first {@code p2p start} and its first
     * handshake do not pay for loading Netty's native transport, BouncyCastle and JNA (measured:
     * about 0.7 s of a fresh daemon's first start to first ping). The engine's thread's.
     *
     * @param tap the TAP driver chosen, whose natives are bound here too (may be absent)
     */
    void warmUp(Optional<TapDriver> tap) {
        if (warm) {
            return;
        }
        warm = true;
        Optional<SocketProvider> sp = sockets.named(SOCKETS).map(PluginRegistry.Plugin::service);
        Optional<CryptoSuite> cs = cryptos.named(CRYPTO).map(PluginRegistry.Plugin::service);
        if (sp.isEmpty() || cs.isEmpty()) {
            return;
        }
        tap.ifPresent(t -> {
            try {
                t.availability(); // a native driver binds its natives here
            } catch (RuntimeException | LinkageError e) {
                log.debug("Warm-up of the TAP driver: " + e);
            }
        });
        try (UdpSocket socket = sp.get().open("warm-up", 0, 0)) {
            NodeKeys.load(stateDir.resolve("node.key"), cs.get());
            WarmUp.run(cs.get(), socket, log);
        } catch (IOException | RuntimeException e) {
            log.debug("Warm-up: " + e);
        }
    }

    /** A transport arrived: every running network may use it now. */
    void transportAdded(Runnable register, Transport transport) {
        synchronized (transportLock) {
            register.run();
            transports.snapshot().stream().filter(p -> p.service() == transport).findFirst()
                    .ifPresent(p -> live.forEach(i -> i.attach(p.name(), transport)));
        }
    }

    /** A transport left: no network uses it any more. */
    void transportRemoved(Runnable unregister, Transport transport) {
        synchronized (transportLock) {
            unregister.run();
            live.forEach(i -> i.detach(transport));
        }
    }

    @Override
    public Plane.Attached attach(NetworkSpec spec, TapDevice device) throws IOException {
        SocketProvider sp = sockets.named(SOCKETS).map(PluginRegistry.Plugin::service)
                .orElseThrow(() -> new IOException("no UDP socket provider (bundle io.subutai.p2p.transport.udp)"));
        CryptoSuite cs = cryptos.named(CRYPTO).map(PluginRegistry.Plugin::service)
                .orElseThrow(() -> new IOException("no crypto suite " + CRYPTO + " (bundle io.subutai.p2p.crypto)"));
        StaticKeys self = NodeKeys.load(stateDir.resolve("node.key"), cs);
        UdpSocket socket = sp.open(device.name(), spec.ports().min(), spec.ports().max());
        String hash = spec.request().hash();
        KeyQueue keys = new KeyQueue();
        if (spec.keys().isEmpty()) {
            keys.add(hash, Long.MAX_VALUE);
        }
        for (NetworkSpec.Key k : spec.keys()) {
            keys.add(k.key(), k.until());
        }
        Networks n = networks;
        NetworkInstance instance = new NetworkInstance(new NetworkInstance.Options(hash, spec.dht(), spec.address(),
                n.previous(hash), spec.automatic(), spec.request().fwd()), device, socket, cs, self, keys,
                new ThreadLoop(device.name(), log), engine, log, Timing.DEFAULT, address -> n.assigned(hash, address));
        log.info("UDP port of " + hash + ": " + socket.localAddress().getPort());
        try {
            // the code of the first handshake, warm again, and this socket's paths, while discovery finds the peers
            engine.execute(() -> WarmUp.run(cs, socket, log));
        } catch (RejectedExecutionException e) {
            // the engine is stopping
        }
        synchronized (transportLock) { // a transport that comes or goes meanwhile is seen once, either here or there
            live.add(instance);
            for (PluginRegistry.Plugin<Transport> t : transports.snapshot()) {
                instance.attach(t.name(), t.service());
            }
        }
        for (PluginRegistry.Plugin<DiscoveryProvider> d : discoveries.snapshot()) {
            instance.join((ref, listener) -> discoveries.call(d, "join", p -> p.join(ref, listener)));
        }
        return new Plane.Attached() {

            @Override
            public NetworkSnapshot snapshot(NetworkInfo network) {
                return instance.snapshot(network);
            }

            @Override
            public void addKey(String key, long until) {
                instance.addKey(key, until);
            }

            @Override
            public void close() {
                synchronized (transportLock) {
                    live.remove(instance);
                }
                instance.close();
                socket.close();
            }
        };
    }
}
