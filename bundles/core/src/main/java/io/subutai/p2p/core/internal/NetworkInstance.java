package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.Transport;

/**
 * One running network's data plane, wired: the mesh on the instance's socket through the
 * {@link TransportPort} (so the transports' paths, a relay's among them, are addresses like any
 * other), the transports attached to it as they come and go, and the discovery memberships that
 * feed it peers, relays and an automatic address. The engine makes one per started network;
 * simulations make them on an in-memory network.
 */
final class NetworkInstance implements Networks.Attached {

    /** What a start asked for, as the data plane needs it. */
    record Options(String hash, List<String> bootstrap, Ipv4Cidr address, Ipv4Cidr previous, boolean automatic,
            boolean relayOnly) {
    }

    private final Options options;
    private final String hash;
    private final KeyQueue keys;
    private final Networks.Log log;
    private final TransportPort port;
    private final Mesh mesh;
    private final List<Membership> memberships = new CopyOnWriteArrayList<>();
    /** This node's endpoints that transports added (relay handles); guarded by memberships. */
    private List<InetSocketAddress> extra = List.of();
    private final NetworkRef ref;
    private final DiscoveryListener listener;
    private final DatagramPort socket;

    /**
     * @param control  the engine's timer, which the transports use
     * @param assigned told the address a bootstrap server handed out (after the TAP has it)
     */
    NetworkInstance(Options options, TapDevice device, DatagramPort socket, CryptoSuite suite, StaticKeys self,
            KeyQueue keys, ScheduledExecutorService control, Networks.Log log, Mesh.Timing timing,
            Consumer<Ipv4Cidr> assigned) {
        this.options = options;
        this.hash = options.hash();
        this.keys = keys;
        this.log = log;
        this.socket = socket;
        String networkId = NodeKeys.networkId(hash);
        this.port = new TransportPort(socket, networkId, self.publicKey(), control, extra -> {
            log.info("Transports stand for this node in " + hash + " at: " + describe(extra));
            synchronized (memberships) {
                this.extra = extra;
                for (Membership m : memberships) {
                    m.updateEndpoints(extra);
                }
            }
        }, (transport, operation, e) -> log.error("Transport '" + transport + "' failed in " + operation + " for "
                + hash + "; skipped: " + e));
        this.mesh = new Mesh(device.name(), device, port, suite, self, keys, log::info, System::nanoTime,
                () -> System.currentTimeMillis() / 1000, timing, options.address());
        mesh.strategies(port);
        mesh.relayOnly(options.relayOnly());
        if (options.relayOnly()) {
            log.info("Network " + hash + " uses relays only (-fwd): peers are reached through relays alone");
        }
        mesh.start();
        this.listener = new DiscoveryListener() {
            @Override
            public void peerSeen(byte[] staticKey, List<InetSocketAddress> endpoints) {
                mesh.peerSeen(staticKey, endpoints, null);
            }

            @Override
            public void peerSeen(byte[] staticKey, List<InetSocketAddress> endpoints, InetSocketAddress reflexive) {
                mesh.peerSeen(staticKey, endpoints, reflexive);
            }

            @Override
            public void peerGone(byte[] staticKey) {
                mesh.peerGone(PeerIds.of(staticKey));
            }

            @Override
            public void relaysOffered(List<InetSocketAddress> relays) {
                port.relaysOffered(relays);
            }

            @Override
            public void addressAssigned(Ipv4Cidr address) {
                if (!options.automatic()) {
                    return; // an address given on start is never replaced
                }
                synchronized (mesh) {
                    try {
                        device.assignAddress(address);
                    } catch (IOException e) {
                        log.error("Cannot give " + device.name() + " the address " + address + ": " + e.getMessage());
                        return;
                    }
                    mesh.overlay(address);
                }
                assigned.accept(address);
                log.info("Configured " + device.name() + ". IP: " + address + " (from the bootstrap server)");
            }
        };
        this.ref = new NetworkRef(networkId, mesh.selfId(), self.publicKey(), List.of(socket.localAddress()), socket,
                options.bootstrap(), options.automatic() ? options.previous() : options.address(), options.automatic());
    }

    /** Joins discovery with one provider; {@code join} is the provider's join, guarded by the caller. */
    void join(BiFunction<NetworkRef, DiscoveryListener, Optional<Membership>> join) {
        join.apply(ref, listener).ifPresent(m -> {
            synchronized (memberships) {
                memberships.add(m);
                if (!extra.isEmpty()) {
                    m.updateEndpoints(extra); // a relay may have answered before the provider's join returned
                }
            }
        });
    }

    /** Attaches a transport that is there (at start, or when it comes); every peer may use its paths from then on. */
    void attach(String name, Transport transport) {
        if (port.attach(name, transport)) {
            log.info("Transport '" + name + "' works for " + hash);
        }
    }

    /** Detaches a transport that went away: its paths die, and peers move to others. */
    void detach(Transport transport) {
        port.detach(transport);
    }

    Mesh mesh() {
        return mesh;
    }

    TransportPort transports() {
        return port;
    }

    private static String describe(List<InetSocketAddress> endpoints) {
        List<String> out = new ArrayList<>();
        for (InetSocketAddress e : endpoints) {
            out.add(endpoint(e));
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** An endpoint as {@code show} prints it: IPv6 addresses in brackets. */
    static String endpoint(InetSocketAddress e) {
        return e == null ? null : (e.getAddress() instanceof Inet6Address
                ? "[" + e.getAddress().getHostAddress() + "]" : e.getAddress().getHostAddress()) + ":" + e.getPort();
    }

    /** This network's data plane and its peers as data, for show, status and debug; {@code network} is its interface. */
    @Override
    public io.subutai.p2p.api.NetworkSnapshot snapshot(io.subutai.p2p.api.NetworkInfo network) {
        List<String> discovery = new ArrayList<>();
        for (Membership m : memberships) {
            try {
                discovery.addAll(m.describe());
            } catch (RuntimeException | LinkageError e) {
                discovery.add("Discovery failed to describe itself: " + e);
            }
        }
        List<String> relays = new ArrayList<>();
        for (InetSocketAddress r : port.announced()) {
            InetSocketAddress via = port.relayFor(r);
            relays.add(via == null ? endpoint(r) : endpoint(via) + "/" + r.getPort());
        }
        java.time.Instant now = java.time.Instant.now();
        List<io.subutai.p2p.api.PeerSnapshot> peers = new ArrayList<>();
        for (Mesh.Peer p : mesh.peers()) {
            peers.add(PeerSnapshots.of(mesh, p, port, now));
        }
        return new io.subutai.p2p.api.NetworkSnapshot(network.hash(), network.interfaceName(), network.mac(), network.ip(),
                network.prefix(), mesh.selfId().value(), socket.localAddress().getPort(), options.relayOnly(), discovery,
                port.names(), relays, peers);
    }

    @Override
    public void addKey(String key, long until) {
        keys.add(key, until);
        log.info("Key added to the queue of " + hash + " (valid until " + (until == Long.MAX_VALUE ? "no limit" : until)
                + ")");
    }

    @Override
    public void close() {
        for (Membership m : memberships) {
            try {
                m.close();
            } catch (RuntimeException | LinkageError e) {
                log.error("Leaving discovery for " + hash + ": " + e);
            }
        }
        mesh.close();
        port.close();
    }
}
