package io.subutai.p2p.discovery.dht.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.Streams;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.ServerName;

/**
 * Finds members through bootstrap ("DHT") servers (docs/protocol.md §7): each network instance
 * registers from its own UDP socket, so the reflexive address a server sees is the one peers must
 * use, and refreshes as the server asks (which also keeps NAT mappings open). Every server of the
 * network ({@code -dht} on start, and the configured default list) is used at once, so one that
 * dies changes nothing; tunnels never depend on a server, which only introduces members. A
 * server is trusted only with the key {@code -dht HOST:PORT@KEY} pins, or the one it showed first
 * (which the engine then keeps); members' records count only with the network's tag (see
 * {@link NetworkMembership}).
 * Each network's registrations run on that network's control loop and clock ({@link
 * NetworkRef#scheduler()}); servers named by a host name are resolved off the loop, on {@code
 * p2p-dht-resolve}, which runs while a name is being looked up.
 */
@Component(service = DiscoveryProvider.class, property = DiscoveryProvider.PROPERTY + "=dht",
        configurationPid = "io.subutai.p2p.discovery.dht")
@Designate(ocd = DhtDiscovery.Config.class)
public final class DhtDiscovery implements DiscoveryProvider {

    @ObjectClassDefinition(name = "p2p bootstrap discovery")
    public @interface Config {
        @AttributeDefinition(description = "bootstrap servers every network uses besides its own -dht, HOST:PORT[@KEY], comma-separated;"
                + " empty: none (a network without -dht relies on the LAN)")
        String servers() default "";

        @AttributeDefinition(description = "whether members' records list this host's interface addresses; false: only the"
                + " address a server sees and relay handles (the server and anyone who knows the network id then learn"
                + " no private address; members on one LAN still find each other by beacons)")
        boolean localEndpoints() default true;
    }

    /** How often a server that did not answer is asked again, and when an answer counts as lost. */
    static final long RETRY_NANOS = 2_000_000_000L;

    private final Logger log;
    private final List<String> defaults;
    private final boolean localEndpoints;
    private final List<NetworkMembership> joined = new CopyOnWriteArrayList<>();
    /** Guards {@link #resolver}; taken alone, never while taking this or a network's lock. */
    private final Object resolverLock = new Object();
    private ExecutorService resolver; // guarded by resolverLock; made when a name is to be looked up
    /** The stream transport (the extras' p2p-transport-tcp), while one is installed. */
    private volatile Streams streams;

    @Activate
    public DhtDiscovery(Config config, @Reference(service = LoggerFactory.class) Logger log) {
        this.log = log;
        List<String> d = new ArrayList<>();
        for (String s : config.servers().split(",")) {
            if (!s.isBlank()) {
                d.add(s.strip());
            }
        }
        this.defaults = List.copyOf(d);
        this.localEndpoints = config.localEndpoints();
    }

    /**
     * Finds the address of {@code s}: at once for an address literal, else by a look-up off the
     * network's loop (a DNS answer may take seconds), again after {@link #RETRY_NANOS} when it failed.
     */
    void lookUp(NetworkMembership j, ServerLink s, long now) {
        if (s.resolving || s.lastLookup != 0 && now - s.lastLookup < RETRY_NANOS) {
            return;
        }
        s.lastLookup = now;
        HostPort hp = HostPort.parse(s.name);
        if (hp == null) {
            return;
        }
        if (hp.literal()) {
            s.address = hp.resolve();
            return;
        }
        synchronized (resolverLock) {
            if (j.left) {
                return; // the network left meanwhile: no thread is started for it
            }
            if (resolver == null) {
                resolver = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "p2p-dht-resolve");
                    t.setDaemon(true);
                    return t;
                });
            }
            s.resolving = true;
            resolver.execute(() -> {
                s.address = j.left ? null : hp.resolve();
                s.resolving = false;
            });
        }
    }

    /** A {@code HOST:PORT} or {@code [IPv6]:PORT} of a bootstrap server. */
    record HostPort(String host, int port) {
        static HostPort parse(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                return port < 0 || port > 65535 ? null : new HostPort(host, port);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Whether the host is an address written out (so finding it needs no look-up). */
        boolean literal() {
            return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        }

        /** The address, looked up when the host is a name; null when it does not resolve. */
        InetSocketAddress resolve() {
            InetSocketAddress a = new InetSocketAddress(host, port);
            return a.isUnresolved() ? null : a;
        }
    }

    /**
     * A stream transport was installed: every network reaches its {@code wss://} servers through it
     * from now on (the greediest one, when there are several).
     */
    @Reference(service = Streams.class, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStreams(Streams s) {
        streams = s;
        for (NetworkMembership j : joined) {
            j.streams(s);
        }
        log.info("Bootstrap servers named by a stream URL are now reached over streams");
    }

    void unbindStreams(Streams s) {
        if (streams != s) {
            return;
        }
        streams = null;
        for (NetworkMembership j : joined) {
            j.streams(null);
        }
    }

    @Override
    public synchronized Membership join(NetworkRef network, DiscoveryListener listener) {
        Set<String> names = new LinkedHashSet<>(network.bootstrap());
        names.addAll(defaults);
        List<ServerLink> links = new ArrayList<>();
        for (String n : names) {
            try {
                links.add(new ServerLink(ServerName.parse(n)));
            } catch (IllegalArgumentException e) {
                log.error("Bootstrap server of network {} not used: {}", network.networkId(), e.getMessage());
            }
        }
        NetworkMembership j = new NetworkMembership(this, log, network, listener, links, localEndpoints);
        j.streams(streams);
        if (names.isEmpty()) {
            return j; // no server: the LAN only
        }
        try {
            j.registration = network.socket().register(DhtMessage.TYPE, j::received);
        } catch (IllegalStateException e) {
            log.error("Bootstrap discovery cannot listen on the socket of {}: {}", network.networkId(), e.getMessage());
            return j;
        }
        joined.add(j);
        j.schedule(0);
        log.info("Bootstrap servers of network {}: {}", network.networkId(), String.join(", ", names));
        return j;
    }

    synchronized void leave(NetworkMembership j) {
        if (!joined.remove(j)) {
            return;
        }
        j.left = true;
        try {
            AutoCloseable t = j.task;
            if (t != null) {
                t.close();
            }
            if (j.registration != null) {
                j.registration.close();
            }
        } catch (Exception e) {
            // the socket is going away
        }
        if (joined.isEmpty()) {
            stopResolver();
        }
    }

    private void stopResolver() {
        ExecutorService r;
        synchronized (resolverLock) {
            r = resolver;
            resolver = null;
        }
        if (r == null) {
            return;
        }
        r.shutdownNow();
        try {
            r.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        for (NetworkMembership j : new ArrayList<>(joined)) {
            j.close();
        }
        stopResolver();
    }
}
