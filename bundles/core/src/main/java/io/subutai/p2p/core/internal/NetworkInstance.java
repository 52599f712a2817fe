package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.core.internal.mesh.ControlLoop;
import io.subutai.p2p.core.internal.mesh.Endpoints;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.Mesh;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.NetworkCredentials;
import io.subutai.p2p.core.internal.mesh.PeerIds;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.core.internal.mesh.TransportMux;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.Transport;

/**
 * One running network's data plane, wired: its one control loop and clock, the mesh on the
 * network's socket through the {@link TransportMux} (so the transports' paths, a relay's among
 * them, are addresses like any other), the transports attached to it as they come and go, and the
 * discovery memberships that feed it peers, relays and an automatic address. Discovery's news and
 * the transports' and providers' timers all run on the network's loop. The engine makes one per
 * started network; simulations make them on an in-memory network and a virtual clock.
 */
public final class NetworkInstance implements Plane.Attached {

    /** What a start asked for, as the data plane needs it. */
    public record Options(String networkId, List<String> bootstrap, Ipv4Cidr address, Ipv4Cidr previous, boolean automatic,
            boolean relayOnly, String requiredSuite, boolean bridge, String proxy) {

        /** A network whose streams take the daemon's default proxy. */
        public Options(String networkId, List<String> bootstrap, Ipv4Cidr address, Ipv4Cidr previous, boolean automatic,
                boolean relayOnly, String requiredSuite, boolean bridge) {
            this(networkId, bootstrap, address, previous, automatic, relayOnly, requiredSuite, bridge, "");
        }

        /** A network whose interface bridges nothing. */
        public Options(String networkId, List<String> bootstrap, Ipv4Cidr address, Ipv4Cidr previous, boolean automatic,
                boolean relayOnly, String requiredSuite) {
            this(networkId, bootstrap, address, previous, automatic, relayOnly, requiredSuite, false);
        }

        /** A network that accepts any crypto suite. */
        public Options(String networkId, List<String> bootstrap, Ipv4Cidr address, Ipv4Cidr previous, boolean automatic,
                boolean relayOnly) {
            this(networkId, bootstrap, address, previous, automatic, relayOnly, null);
        }
    }

    private final Options options;
    /** The network's public name: what the log and discovery call it (its hash may be its secret). */
    private final String networkId;
    private final KeyQueue keys;
    private final MeshLog log;
    private final ControlLoop loop;
    private final TransportMux mux;
    private final Mesh mesh;
    private final List<Membership> memberships = new CopyOnWriteArrayList<>();
    /** Which provider each membership is with (a provider that leaves takes its membership along); guarded by memberships. */
    private final java.util.Map<Object, Membership> byProvider = new java.util.IdentityHashMap<>();
    /** This node's endpoints that transports added (relay handles); guarded by memberships. */
    private List<InetSocketAddress> extra = List.of();
    /** The network as discovery sees it; made again when {@code set -ip} gives the node its address. */
    private volatile NetworkRef ref;
    /** Whether the user gave the node its address at run time ({@code set -ip}): no server's replaces it then. */
    private volatile boolean fixed;
    private final DiscoveryListener listener;
    private final DatagramPort socket;
    /** The subnet the network's handed-out addresses must stay in: of the first it had (null: none yet). */
    private volatile Ipv4Cidr subnet;

    /**
     * @param loop     the network's control loop, which the instance owns from now on (closed with it)
     * @param blocking runs what may block (an address given to the TAP, the save file written),
     *                 which must never hold up the loop
     * @param assigned told the address a bootstrap server handed out (after the TAP has it)
     */
    public NetworkInstance(Options options, TapDevice device, DatagramPort socket, Suites suites, StaticKeys self,
            KeyQueue keys, ControlLoop loop, Executor blocking, MeshLog log, Timing timing, Consumer<Ipv4Cidr> assigned) {
        this(options, device, socket, suites, self, keys, loop, blocking, log, timing, assigned, (server, key) -> { });
    }

    /**
     * @param serverKeys told the key a bootstrap server named {@code HOST:PORT} showed on first
     *                   contact (on the blocking executor), to keep for the next start
     */
    public NetworkInstance(Options options, TapDevice device, DatagramPort socket, Suites suites, StaticKeys self,
            KeyQueue keys, ControlLoop loop, Executor blocking, MeshLog log, Timing timing, Consumer<Ipv4Cidr> assigned,
            java.util.function.BiConsumer<String, byte[]> serverKeys) {
        this.options = options;
        this.subnet = options.automatic() ? options.previous() : null;
        this.networkId = options.networkId();
        this.keys = keys;
        this.log = log;
        this.socket = socket;
        this.loop = loop;
        this.mux = new TransportMux(socket, networkId, self.publicKey(), loop, extra -> loop.execute(() -> {
            log.info("Transports stand for this node in network " + networkId + " at: " + describe(extra));
            synchronized (memberships) {
                this.extra = extra;
                for (Membership m : memberships) {
                    m.updateEndpoints(extra);
                }
            }
        }), (transport, operation, e) -> log.warn("Transport '" + transport + "' failed in " + operation + " for "
                + "network " + networkId + "; skipped: " + e), options.proxy());
        if (options.relayOnly()) {
            log.info("Network " + networkId + " uses relays only (-fwd): peers are reached through relays alone");
        }
        this.mesh = Mesh.start(new Mesh.Config(device.name(), device, mux, mux, suites, options.requiredSuite(), self, keys,
                log, loop, timing, options.address(), options.relayOnly(), options.bridge()));
        this.listener = new DiscoveryListener() {
            @Override
            public void peerSeen(Sighting sighting) {
                mesh.peerSeen(sighting);
            }

            @Override
            public void peerGone(byte[] staticKey) {
                mesh.peerGone(PeerIds.of(staticKey));
            }

            @Override
            public void relaysOffered(List<io.subutai.p2p.spi.RelayOffer> relays) {
                loop.execute(() -> mux.relaysOffered(relays));
            }

            @Override
            public void serverKeyLearned(String server, byte[] key) {
                byte[] k = key.clone();
                blocking.execute(() -> serverKeys.accept(server, k));
            }

            @Override
            public void addressAssigned(Ipv4Cidr address) {
                if (options.automatic() && !fixed && acceptable(address)) { // an address given by the user is never replaced
                    blocking.execute(() -> assign(device, address, assigned));
                }
            }
        };
        this.ref = new NetworkRef(networkId, mesh.selfId(), self.publicKey(), List.of(socket.localAddress()), socket,
                options.bootstrap(), options.automatic() ? options.previous() : options.address(), options.automatic(),
                loop, new NetworkCredentials(keys, self, () -> loop.currentTimeMillis() / 1000), options.proxy());
    }

    /**
     * Whether an address a bootstrap server handed out may go on the TAP: it keeps the rules of
     * {@code -ip}, and the subnet of the network's first one (held before, or handed out first in
     * this run), so no one who speaks for the server can move the members to a subnet of its
     * choosing. A refusal is logged.
     */
    private boolean acceptable(Ipv4Cidr address) {
        String problem = NetworkSpec.problem(address);
        Ipv4Cidr pinned = subnet;
        if (problem == null && pinned != null && !pinned.network().equals(address.network())) {
            problem = "is outside the network's subnet " + pinned.network();
        }
        if (problem != null) {
            log.warn("Network " + networkId + ": refused the address " + address + " a bootstrap server handed out: it "
                    + problem);
            return false;
        }
        if (pinned == null) {
            subnet = address;
        }
        return true;
    }

    /** Gives the TAP the address a bootstrap server handed out, and tells the peers; off the loop (it runs {@code ip}). */
    private void assign(TapDevice device, Ipv4Cidr address, Consumer<Ipv4Cidr> assigned) {
        try {
            device.assignAddress(address);
        } catch (IOException e) {
            log.warn("Cannot give " + device.name() + " the address " + address + ": " + e.getMessage());
            return;
        }
        mesh.overlay(address);
        assigned.accept(address);
        log.info("Configured " + device.name() + ". IP: " + address + " (from the bootstrap server)");
    }

    /** The ID of the peer that holds {@code address} in this network now, or null. */
    @Override
    public String holder(Ipv4Cidr address) {
        io.subutai.p2p.spi.PeerId p = mesh.holder(address);
        return p == null ? null : p.value();
    }

    /**
     * The node's address is {@code address} from now on ({@code set -ip}; the TAP has it already):
     * the peers are told at once, and discovery registers it (asking a server for none any more).
     */
    @Override
    public void readdress(Ipv4Cidr address) {
        fixed = true;
        NetworkRef r = ref;
        ref = new NetworkRef(r.networkId(), r.self(), r.staticKey(), r.endpoints(), r.socket(), r.bootstrap(), address, false,
                r.scheduler(), r.credentials(), r.proxy());
        mesh.overlay(address);
        loop.execute(() -> {
            synchronized (memberships) {
                for (Membership m : memberships) {
                    try {
                        m.updateAddress(address);
                    } catch (RuntimeException | LinkageError e) {
                        log.warn("Discovery failed to take the new address of network " + networkId + ": " + e);
                    }
                }
            }
        });
        log.info("Network " + networkId + ": this node's address is " + address + " now (set -ip); its peers are told");
    }

    /** Joins discovery with one provider; {@code join} is the provider's join, guarded by the caller. */
    public void join(BiFunction<NetworkRef, DiscoveryListener, Optional<Membership>> join) {
        join(join, join);
    }

    /**
     * Joins discovery with {@code provider} (once: a provider joined already is not joined again);
     * {@code join} is its join, guarded by the caller.
     *
     * @return whether it joined now
     */
    public boolean join(Object provider, BiFunction<NetworkRef, DiscoveryListener, Optional<Membership>> join) {
        synchronized (memberships) {
            if (byProvider.containsKey(provider)) {
                return false;
            }
        }
        Optional<Membership> joined = join.apply(ref, listener);
        joined.ifPresent(m -> {
            synchronized (memberships) {
                memberships.add(m);
                byProvider.put(provider, m);
            }
            loop.execute(() -> {
                synchronized (memberships) {
                    if (!extra.isEmpty() && memberships.contains(m)) {
                        m.updateEndpoints(extra); // a relay may have answered before the provider's join returned
                    }
                }
            });
        });
        return joined.isPresent();
    }

    /**
     * Leaves the discovery of a provider that went away; the peers it found stay as they are
     * (sessions and paths do not depend on who found them).
     *
     * @return whether the network was a member through it
     */
    public boolean leave(Object provider) {
        Membership m;
        synchronized (memberships) {
            m = byProvider.remove(provider);
            if (m != null) {
                memberships.remove(m);
            }
        }
        if (m == null) {
            return false;
        }
        try {
            m.close();
        } catch (RuntimeException | LinkageError e) {
            log.warn("Leaving discovery for network " + networkId + ": " + e);
        }
        return true;
    }

    /** Attaches a transport that is there (at start, or when it comes); every peer may use its paths from then on. */
    public void attach(String name, Transport transport) {
        if (mux.attach(name, transport)) {
            log.info("Transport '" + name + "' works for network " + networkId);
        }
    }

    /** Detaches a transport that went away: its paths die, and peers move to others. */
    public void detach(Transport transport) {
        mux.detach(transport);
    }

    public Mesh mesh() {
        return mesh;
    }

    @Override
    public io.subutai.p2p.api.NetworkCounters counted() {
        return mesh.counted(networkId);
    }

    public TransportMux transports() {
        return mux;
    }

    private static String describe(List<InetSocketAddress> endpoints) {
        List<String> out = new ArrayList<>();
        for (InetSocketAddress e : endpoints) {
            out.add(Endpoints.text(e));
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** This network's data plane and its peers as data, for show, status and debug; {@code network} is its interface. */
    @Override
    public NetworkSnapshot snapshot(NetworkInfo network) {
        List<String> discovery = new ArrayList<>();
        for (Membership m : memberships) {
            try {
                discovery.addAll(m.describe());
            } catch (RuntimeException | LinkageError e) {
                discovery.add("Discovery failed to describe itself: " + e);
            }
        }
        discovery.addAll(mux.describe()); // the transports' links (streams to relays), after the servers
        List<String> relays = new ArrayList<>();
        for (InetSocketAddress r : mux.announced()) {
            InetSocketAddress via = mux.relayFor(r);
            relays.add(via == null ? Endpoints.text(r) : Endpoints.text(via) + "/" + r.getPort());
        }
        return new NetworkSnapshot(network.hash(), network.interfaceName(), network.mac(), network.ip(), network.prefix(),
                mesh.selfId().value(), socket.localAddress().getPort(), options.relayOnly(), discovery, mux.names(), relays,
                mesh.snapshot());
    }

    @Override
    public void addKey(String key, long until) {
        keys.add(key, until);
        log.info("Key added to the queue of network " + networkId + " (valid until " + (until == Long.MAX_VALUE ? "no limit" : until)
                + ")");
    }

    /** Refuses the member {@code peerId} for good: it is forgotten, and nothing of it is taken again. */
    public void revoke(String peerId) {
        mesh.revoke(new io.subutai.p2p.spi.PeerId(peerId));
        log.info("Peer " + peerId + " revoked in network " + networkId + ": refused from now on");
    }

    /** Leaves discovery, stops the mesh and the loop, detaches the transports; the socket is the caller's. */
    @Override
    public void close() {
        for (Membership m : memberships) {
            try {
                m.close();
            } catch (RuntimeException | LinkageError e) {
                log.warn("Leaving discovery for network " + networkId + ": " + e);
            }
        }
        mesh.close();
        loop.close(); // nothing queued runs after this: no handshake completes, nothing more is sent
        mux.close();
    }
}
