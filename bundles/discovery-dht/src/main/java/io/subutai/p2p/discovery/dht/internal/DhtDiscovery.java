package io.subutai.p2p.discovery.dht.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
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
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.wire.dht.DhtMessage;

/**
 * Finds members through bootstrap ("DHT") servers (docs/protocol.md §7): each network instance
 * registers from its own UDP socket, so the reflexive address a server sees is the one peers must
 * use, and refreshes as the server asks (which also keeps NAT mappings open). Every server of the
 * network ({@code -dht} on start, and the configured default list) is used at once, so one that
 * dies changes nothing; tunnels never depend on a server, which only introduces members.
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
        @AttributeDefinition(description = "bootstrap servers every network uses besides its own -dht, HOST:PORT, comma-separated;"
                + " empty: none (a network without -dht relies on the LAN)")
        String servers() default "";
    }

    /** How often a server that did not answer is asked again, and when an answer counts as lost. */
    static final long RETRY_NANOS = 2_000_000_000L;

    private final Logger log;
    private final List<String> defaults;
    private final List<Joined> joined = new CopyOnWriteArrayList<>();
    /** Guards {@link #resolver}; taken alone, never while taking this or a network's lock. */
    private final Object resolverLock = new Object();
    private ExecutorService resolver; // guarded by resolverLock; made when a name is to be looked up

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
    }

    /** One bootstrap server of one network. */
    private static final class Server {
        final String name;
        volatile InetSocketAddress address; // null until it resolves
        volatile boolean resolving; // a look-up of its name is under way
        volatile long lastLookup; // when the last look-up began
        volatile long lastSent; // written by the network's loop, reset by updateEndpoints
        volatile List<InetSocketAddress> relays = List.of(); // the relays this server offered
        volatile long lastWelcome;
        volatile int refreshSeconds = 10;
        volatile InetSocketAddress reflexive; // as this server sees this node

        Server(String name) {
            this.name = name;
        }
    }

    private final class Joined implements Membership {
        final NetworkRef ref;
        final DiscoveryListener listener;
        final byte[] networkId;
        final byte[] self;
        final List<Server> servers = new ArrayList<>();
        final ByteBuffer out = ByteBuffer.allocate(1452);
        AutoCloseable registration;
        volatile AutoCloseable task;
        volatile boolean left;
        volatile InetSocketAddress reflexive;
        /** This node's overlay address: its own, or the one a server handed out (null: none yet). */
        volatile io.subutai.p2p.api.Ipv4Cidr address;
        volatile boolean announced; // the address was told to the engine
        /** Endpoints the engine adds to the interfaces' (a relayed one). */
        volatile List<InetSocketAddress> extra = List.of();
        volatile List<InetSocketAddress> relays = List.of();

        Joined(NetworkRef ref, DiscoveryListener listener, Set<String> names) {
            this.ref = ref;
            this.listener = listener;
            this.networkId = HexFormat.of().parseHex(ref.networkId());
            this.self = ref.staticKey();
            this.address = ref.address();
            for (String n : names) {
                servers.add(new Server(n));
            }
        }

        /** Registers with every server whose refresh is due, or that has not answered for a while. The loop's. */
        synchronized void tick() {
            long now = ref.scheduler().nanoTime();
            for (Server s : servers) {
                if (s.address == null) {
                    lookUp(this, s, now); // an address literal at once, a name later
                    if (s.address == null) {
                        continue;
                    }
                }
                boolean answered = s.lastWelcome > s.lastSent;
                long due = answered ? s.refreshSeconds * 1_000_000_000L : RETRY_NANOS;
                if (s.lastSent == 0 || now - s.lastSent >= due) {
                    io.subutai.p2p.api.Ipv4Cidr a = address;
                    send(s.address, new DhtMessage.Register(networkId, self, localEndpoints(), ref.automatic(),
                            a == null ? 0 : a.address(), a == null ? 0 : a.prefix()));
                    s.lastSent = now;
                }
            }
        }

        private void send(InetSocketAddress to, DhtMessage m) {
            out.clear();
            DhtMessage.encode(m, out);
            ref.socket().send(to, out.flip());
        }

        /** Where this instance's socket may be reached on this host's own interfaces, IPv4 first. */
        private List<InetSocketAddress> localEndpoints() {
            InetSocketAddress bound = ref.socket().localAddress();
            if (!bound.getAddress().isAnyLocalAddress()) {
                List<InetSocketAddress> only = new ArrayList<>(List.of(bound)); // a socket bound to one address
                only.addAll(extra.subList(0, Math.min(extra.size(), DhtMessage.MAX_ENDPOINTS - 2)));
                return only;
            }
            int port = bound.getPort();
            List<InetSocketAddress> v4 = new ArrayList<>();
            List<InetSocketAddress> v6 = new ArrayList<>();
            try {
                for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!nif.isUp() || nif.isLoopback() || nif.getName().startsWith("vptp")) {
                        continue;
                    }
                    for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                        if (a.isLinkLocalAddress() || a.isLoopbackAddress()) {
                            continue; // a link-local address means nothing to a server's other members
                        }
                        (a instanceof java.net.Inet4Address ? v4 : v6).add(new InetSocketAddress(a, port));
                    }
                }
            } catch (SocketException e) {
                // none then: the reflexive address still works
            }
            v4.addAll(v6);
            List<InetSocketAddress> all = new ArrayList<>(v4.size() > DhtMessage.MAX_ENDPOINTS - 2
                    ? v4.subList(0, DhtMessage.MAX_ENDPOINTS - 2) : v4);
            for (InetSocketAddress e : extra) {
                if (all.size() < DhtMessage.MAX_ENDPOINTS - 1) {
                    all.add(e); // after the interfaces': peers try those first
                }
            }
            return all;
        }

        /** A datagram of the bootstrap type on the instance socket: only servers of this network are heard. */
        void received(InetSocketAddress from, ByteBuffer datagram) {
            Server server = null;
            for (Server s : servers) {
                if (from.equals(s.address)) {
                    server = s;
                }
            }
            DhtMessage m = server == null ? null : DhtMessage.decode(datagram.duplicate());
            if (m == null || !java.util.Arrays.equals(m.networkId(), networkId)) {
                return;
            }
            if (m instanceof DhtMessage.Welcome w) {
                server.refreshSeconds = w.refreshSeconds();
                server.lastWelcome = ref.scheduler().nanoTime();
                server.reflexive = w.reflexive();
                if (!w.reflexive().equals(reflexive)) {
                    reflexive = w.reflexive();
                    log.info("Bootstrap server {} sees this node as {}:{}", server.name,
                            w.reflexive().getAddress().getHostAddress(), w.reflexive().getPort());
                }
                if (ref.automatic() && w.address() != 0 && w.prefix() > 0) {
                    io.subutai.p2p.api.Ipv4Cidr given = new io.subutai.p2p.api.Ipv4Cidr(w.address(), w.prefix());
                    if (!given.equals(address) || !announced) {
                        address = given;
                        announced = true;
                        listener.addressAssigned(given);
                    }
                }
            } else if (m instanceof DhtMessage.Peers p) {
                for (DhtMessage.Member member : p.members()) {
                    if (!DhtMessage.same(member.staticKey(), self)) {
                        List<InetSocketAddress> e = member.endpoints();
                        // the server puts the address it saw last (protocol §7)
                        listener.peerSeen(new Sighting(member.staticKey(), e, e.isEmpty() ? null : e.get(e.size() - 1)));
                    }
                }
            } else if (m instanceof DhtMessage.Relays r) {
                server.relays = List.copyOf(r.relays());
                // the relays of every server, as one list: two servers that know different relays
                // must not make it flip (each flip re-allocates and re-registers)
                java.util.LinkedHashSet<InetSocketAddress> all = new java.util.LinkedHashSet<>();
                for (Server s : servers) {
                    all.addAll(s.relays);
                }
                if (!all.equals(new java.util.HashSet<>(relays))) {
                    relays = List.copyOf(all);
                    listener.relaysOffered(relays);
                }
            } else if (m instanceof DhtMessage.Gone g) {
                for (byte[] k : g.staticKeys()) {
                    listener.peerGone(k);
                }
            }
        }

        @Override
        public List<String> describe() {
            List<String> out = new ArrayList<>();
            long now = ref.scheduler().nanoTime();
            for (Server s : servers) { // fixed at join; its fields are volatile: no lock (tick may wait on DNS)
                String at = s.address == null ? s.name + " (does not resolve)" : s.name;
                out.add("Bootstrap server " + at + ": " + (s.lastWelcome == 0 ? "never answered"
                        : "answered " + (now - s.lastWelcome) / 1_000_000 + " ms ago")
                        + (s.reflexive == null ? "" : ", sees this node as " + s.reflexive.getAddress().getHostAddress()
                                + ":" + s.reflexive.getPort()));
            }
            out.add("NAT mapping: " + mapping());
            return out;
        }

        /**
         * This host's NAT mapping as the servers tell it: the same address seen by two servers
         * means one mapping for every destination; different ones, a new mapping for each.
         */
        String mapping() {
            java.util.Set<InetSocketAddress> seen = new java.util.HashSet<>();
            int answered = 0;
            for (Server s : servers) {
                InetSocketAddress r = s.reflexive;
                if (r != null) {
                    seen.add(r);
                    answered++;
                }
            }
            if (answered < 2) {
                return "unknown (needs two bootstrap servers that answer)";
            }
            return seen.size() == 1 ? "endpoint-independent (one public port for every destination)"
                    : "endpoint-dependent (a new public port for every destination: symmetric NAT)";
        }

        /** The engine's own endpoints besides the interfaces' (a relayed one): registered again at once. */
        @Override
        public void updateEndpoints(List<InetSocketAddress> endpoints) { // no lock: tick may be waiting on DNS
            extra = List.copyOf(endpoints);
            for (Server s : servers) {
                s.lastSent = 0;
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                for (Server s : servers) {
                    if (s.address != null) {
                        send(s.address, new DhtMessage.Leave(networkId, self));
                    }
                }
            }
            leave(this);
        }

        /** Registers after {@code delayMs}, then every 250 ms of the network's clock while it is joined (what is not due is skipped). */
        void schedule(long delayMs) {
            if (!left) {
                task = ref.scheduler().schedule(() -> {
                    if (left) {
                        return;
                    }
                    try {
                        tick();
                    } catch (RuntimeException e) {
                        log.warn("Bootstrap discovery: {}", e.toString());
                    }
                    schedule(250);
                }, delayMs, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Finds the address of {@code s}: at once for an address literal, else by a look-up off the
     * network's loop (a DNS answer may take seconds), again after {@link #RETRY_NANOS} when it failed.
     */
    private void lookUp(Joined j, Server s, long now) {
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

    @Override
    public synchronized Membership join(NetworkRef network, DiscoveryListener listener) {
        Set<String> names = new LinkedHashSet<>(network.bootstrap());
        names.addAll(defaults);
        Joined j = new Joined(network, listener, names);
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

    private synchronized void leave(Joined j) {
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
        for (Joined j : new ArrayList<>(joined)) {
            j.close();
        }
        stopResolver();
    }
}
