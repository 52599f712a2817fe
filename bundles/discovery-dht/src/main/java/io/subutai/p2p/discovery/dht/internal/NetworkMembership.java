package io.subutai.p2p.discovery.dht.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.osgi.service.log.Logger;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.spi.RelayOffer;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * One network's registrations with its bootstrap servers (docs/protocol.md §7): from the network's
 * socket, on its loop, a REGISTER with this node's record, tagged with the network's record key,
 * the server's last cookie, and a MAC with the key agreed with the server's pinned key. Answers
 * count only from a server's address, with a valid MAC (a COOKIE, which has none, only with the
 * pinned key); members' records only with a valid tag.
 */
final class NetworkMembership implements Membership {

    /** The soonest a cookie makes this member register again at once. */
    private static final long COOKIE_NANOS = 1_000_000_000L;

    final NetworkRef ref;
    final DiscoveryListener listener;
    final byte[] networkId;
    final byte[] self;
    final List<ServerLink> servers = new ArrayList<>();
    private final DhtDiscovery owner;
    private final Logger log;
    private final ByteBuffer out = ByteBuffer.allocate(1452);
    private final PeerRecords records = new PeerRecords();
    AutoCloseable registration;
    volatile AutoCloseable task;
    volatile boolean left;
    private volatile InetSocketAddress reflexive;
    /** This node's overlay address: its own, or the one a server handed out (null: none yet). */
    private volatile Ipv4Cidr address;
    private volatile boolean announced; // the address was told to the engine
    /** Whether this node asks the servers for its address ({@code -ip dhcp}), until {@code set -ip} gives it one. */
    private volatile boolean automatic;
    /** Endpoints the engine adds to the interfaces' (a relayed one). */
    private volatile List<InetSocketAddress> extra = List.of();
    private volatile List<RelayOffer> relays = List.of();
    /** The stream transport's service while one is there: how servers named by a {@code wss://} URL are reached. */
    private volatile io.subutai.p2p.spi.Streams streams;
    private volatile long badTags; // members' records whose tag failed
    private long lastTime; // of this node's last record, Unix ms; under this
    private final boolean localEndpoints; // whether records list the interfaces' addresses (threat review M5)

    NetworkMembership(DhtDiscovery owner, Logger log, NetworkRef ref, DiscoveryListener listener, List<ServerLink> links,
            boolean localEndpoints) {
        this.localEndpoints = localEndpoints;
        this.owner = owner;
        this.log = log;
        this.ref = ref;
        this.listener = listener;
        this.networkId = HexFormat.of().parseHex(ref.networkId());
        this.self = ref.staticKey();
        this.address = ref.address();
        this.automatic = ref.automatic();
        servers.addAll(links);
    }

    /** Registers with every server whose refresh is due, or that has not answered for a while. The loop's. */
    synchronized void tick() {
        long now = ref.scheduler().nanoTime();
        for (ServerLink s : servers) {
            if (s.stream) {
                if (!linked(s) || reachedOverUdp(s, now)) {
                    continue;
                }
            } else if (s.address == null) {
                owner.lookUp(this, s, now); // an address literal at once, a name later
                if (s.address == null) {
                    continue;
                }
            }
            boolean answered = s.lastWelcome > s.lastSent;
            long due = answered ? s.refreshSeconds * 1_000_000_000L : DhtDiscovery.RETRY_NANOS;
            if (s.lastSent == 0 || now - s.lastSent >= due) {
                register(s, now);
            }
        }
    }

    /**
     * Whether a server reached over a stream has a connected link, opening one when a {@code
     * Streams} service is there (what it delivers is handled on the socket's thread, with the rest).
     */
    private boolean linked(ServerLink s) {
        io.subutai.p2p.spi.Streams st = streams;
        if (s.link == null && st != null && !left) {
            try {
                s.link = st.open(new io.subutai.p2p.spi.StreamTarget(s.name, null, ref.proxy(),
                        "bootstrap " + ref.networkId().substring(0, 8)), (from, datagram) -> {
                            ByteBuffer copy = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
                            ref.socket().execute(() -> handle(s, copy));
                        });
            } catch (IllegalArgumentException | IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).equals(s.streamError)) {
                    log.error("Bootstrap server {} of network {}: {}", s.name, ref.networkId(), e.getMessage());
                }
                s.streamError = String.valueOf(e.getMessage()); // said once; tried again at the next tick
                return false;
            }
        }
        if (s.link != null && s.link.remote() != null) {
            s.address = s.link.remote();
        }
        return s.link != null && s.link.connected();
    }

    /**
     * Whether the server behind stream link {@code s} (the one with its key) answers over UDP
     * too: then this member registers over UDP only, so that the server sees it at one address
     * (its UDP mapping, which peers can use) rather than moving it between the two at every
     * refresh; the stream stays open, and takes over when UDP has not answered for 20 s.
     */
    private boolean reachedOverUdp(ServerLink s, long now) {
        byte[] key = s.pinned;
        for (ServerLink u : servers) {
            if (!u.stream && key != null && Arrays.equals(key, u.pinned) && u.lastWelcome != 0
                    && now - u.lastWelcome < 20_000_000_000L) {
                return true;
            }
        }
        return false;
    }

    /** The {@code Streams} service came or went (null): links to servers over streams are opened again, or closed. */
    synchronized void streams(io.subutai.p2p.spi.Streams now) {
        streams = now;
        for (ServerLink s : servers) {
            if (s.link != null) {
                s.link.close();
                s.link = null;
                s.lastSent = 0;
            }
        }
    }

    private synchronized void register(ServerLink s, long now) {
        DhtRecord record = new DhtRecord(self, nextTime(), automatic, asked().address(), asked().prefix(), localEndpoints());
        send(s, new DhtMessage.Register(networkId, s.cookie, DhtMessage.Signed.of(record, ref.credentials()::seal)), s.agreed);
        s.lastSent = now;
    }

    /** The address this node holds, or (asking for one) the subnet the members agree on, or the one it had. */
    private Ipv4Cidr asked() {
        Ipv4Cidr a = address;
        Ipv4Cidr agreed = automatic ? records.agreedSubnet() : null;
        if (agreed != null && (a == null || !a.network().equals(agreed))) {
            return agreed; // its subnet: any free address in it
        }
        return a == null ? new Ipv4Cidr(0, 0) : a;
    }

    /** The time of a new record: now, in Unix ms, and always later than the last. */
    private long nextTime() {
        lastTime = Math.max(System.currentTimeMillis(), lastTime + 1);
        return lastTime;
    }

    private void send(ServerLink s, DhtMessage m, byte[] key) {
        out.clear();
        DhtMessage.encode(m, out, key);
        if (!s.stream) {
            ref.socket().send(s.address, out.flip());
        } else if (s.link != null) {
            s.link.send(out.flip()); // dropped when it is down: the next refresh tries again
        }
    }

    /**
     * Where this instance's socket may be reached on this host's own interfaces, IPv4 first, then
     * the engine's own (relay handles); only the latter when interface addresses are not to be told.
     */
    private List<InetSocketAddress> localEndpoints() {
        if (!localEndpoints) {
            return List.copyOf(extra.subList(0, Math.min(extra.size(), DhtMessage.MAX_ENDPOINTS - 1)));
        }
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
        ServerLink server = null;
        for (ServerLink s : servers) {
            if (!s.stream && from.equals(s.address)) {
                server = s;
            }
        }
        if (server != null) {
            handle(server, datagram);
        }
    }

    /** A datagram from {@code server} (over UDP, or its stream), on the socket's thread. */
    private void handle(ServerLink server, ByteBuffer datagram) {
        if (left) {
            return;
        }
        DhtMessage m = DhtMessage.decode(datagram.duplicate());
        if (m == null || !Arrays.equals(m.networkId(), networkId)) {
            return;
        }
        if (m instanceof DhtMessage.Cookie c) {
            cookie(server, c);
            return;
        }
        if (!DhtMessage.authentic(datagram, server.agreed)) {
            server.unauthentic++; // spoofed, or from a server this node does not trust
            return;
        }
        if (m instanceof DhtMessage.Welcome w) {
            welcome(server, w);
        } else if (m instanceof DhtMessage.Peers p) {
            peers(p);
        } else if (m instanceof DhtMessage.Relays r) {
            relays(server, r);
        } else if (m instanceof DhtMessage.Gone g) {
            for (byte[] k : g.staticKeys()) {
                records.gone(k);
                listener.peerGone(k);
            }
        }
    }

    /** A cookie, and the server's key: pinned (or, the first time, learned); then registers again at once (on the loop). */
    private void cookie(ServerLink s, DhtMessage.Cookie c) {
        byte[] key = c.serverKey();
        byte[] pinned = s.pinned;
        if (pinned != null && !Arrays.equals(pinned, key)) {
            if (s.wrongKey++ == 0) {
                log.error("Bootstrap server {} of network {} shows the key {}, not the pinned {}: its answers are refused"
                        + " (to trust the new key, start the network with -dht {}@{})", s.name, ref.networkId(),
                        DhtMessage.hex(key), DhtMessage.hex(pinned), s.name, DhtMessage.hex(key));
            }
            return;
        }
        if (pinned == null) {
            s.pinned = key;
            log.info("Bootstrap server {} of network {} has the key {}: pinned from now on", s.name, ref.networkId(),
                    DhtMessage.hex(key));
            listener.serverKeyLearned(s.name, key);
        }
        if (s.agreed == null) {
            s.agreed = ref.credentials().agree(key, DhtMessage.AGREEMENT_LABEL);
        }
        s.cookie = c.cookie();
        long now = ref.scheduler().nanoTime();
        if (s.agreed != null && now - s.lastCookie >= COOKIE_NANOS && !left) {
            s.lastCookie = now;
            ref.scheduler().schedule(() -> { // on the network's loop, as every registration
                if (!left) {
                    register(s, ref.scheduler().nanoTime());
                }
            }, 0, TimeUnit.MILLISECONDS);
        }
    }

    private void welcome(ServerLink server, DhtMessage.Welcome w) {
        server.refreshSeconds = w.refreshSeconds();
        server.lastWelcome = ref.scheduler().nanoTime();
        if (w.reflexive().getPort() == 0) {
            server.reflexive = null; // reached over a stream: this node has no UDP mapping there
        } else {
            server.reflexive = w.reflexive();
            if (!w.reflexive().equals(reflexive)) {
                reflexive = w.reflexive();
                log.info("Bootstrap server {} sees this node as {}:{}", server.name,
                        w.reflexive().getAddress().getHostAddress(), w.reflexive().getPort());
            }
        }
        if (automatic && w.address() != 0 && w.prefix() > 0) {
            Ipv4Cidr given = new Ipv4Cidr(w.address(), w.prefix());
            Ipv4Cidr agreed = records.agreedSubnet();
            if (agreed != null && !given.network().equals(agreed)) {
                log.info("Bootstrap server {} handed out {}, outside {}, the subnet of the other members: asking again",
                        server.name, given, agreed);
                return; // the next REGISTER asks in the agreed subnet
            }
            if (!given.equals(address) || !announced) {
                address = given;
                announced = true;
                listener.addressAssigned(given);
            }
        }
    }

    private void peers(DhtMessage.Peers p) {
        for (DhtMessage.Member member : p.members()) {
            DhtRecord r = member.signed().record();
            if (DhtMessage.same(r.staticKey(), self)) {
                continue;
            }
            if (!ref.credentials().verify(member.signed().bytes(), member.signed().tag())) {
                if (badTags++ == 0) {
                    log.warn("Network {}: dropped a member record whose tag fails (not made with the network's key);"
                            + " p2p debug counts them", ref.networkId());
                }
                continue;
            }
            if (records.take(r)) {
                List<InetSocketAddress> e = new ArrayList<>(r.endpoints().subList(0,
                        Math.min(r.endpoints().size(), DhtMessage.MAX_ENDPOINTS - 1)));
                InetSocketAddress seen = member.reflexive().getPort() == 0 ? null : member.reflexive(); // 0: over a stream
                if (seen != null) {
                    e.add(seen); // the address the server saw it from, last (protocol §7)
                }
                listener.peerSeen(new Sighting(r.staticKey(), e, seen));
            }
        }
    }

    private void relays(ServerLink server, DhtMessage.Relays r) {
        server.relays = List.copyOf(r.relays());
        // the relays of every server, as one list: two servers that know different relays
        // must not make it flip (each flip re-allocates and re-registers)
        Set<RelayOffer> all = new LinkedHashSet<>();
        for (ServerLink s : servers) {
            for (DhtMessage.Relay relay : s.relays) {
                all.add(new RelayOffer(relay.address(), relay.streamPort(), relay.certificate()));
            }
        }
        if (!all.equals(new HashSet<>(relays))) {
            relays = List.copyOf(all);
            listener.relaysOffered(relays);
        }
    }

    @Override
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        long now = ref.scheduler().nanoTime();
        for (ServerLink s : servers) { // fixed at join; its fields are volatile: no lock (tick may wait on DNS)
            if (s.stream) {
                io.subutai.p2p.spi.StreamLink link = s.link;
                lines.add("Bootstrap server " + s.name + ": " + (link != null ? link.describe()
                        : streams == null ? "not reachable: needs a stream transport, which is not installed"
                                + " (p2p:feature-install p2p-transport-tcp)" : "not connected yet"));
            }
            String at = s.address == null && !s.stream ? s.name + " (does not resolve)" : s.name;
            lines.add("Bootstrap server " + at + ": " + (s.lastWelcome == 0 ? "never answered"
                    : "answered " + (now - s.lastWelcome) / 1_000_000 + " ms ago")
                    + (s.reflexive == null ? "" : ", sees this node as " + s.reflexive.getAddress().getHostAddress()
                            + ":" + s.reflexive.getPort())
                    + (s.pinned == null ? ", key not known yet" : ", key " + DhtMessage.hex(s.pinned).substring(0, 16) + "...")
                    + (s.wrongKey == 0 ? "" : ", " + s.wrongKey + " answers with another key refused")
                    + (s.unauthentic == 0 ? "" : ", " + s.unauthentic + " answers without a valid MAC ignored"));
        }
        lines.add("Member records: " + records.size() + " verified, " + badTags + " dropped (tag failed)");
        lines.add("NAT mapping: " + mapping());
        return lines;
    }

    /**
     * This host's NAT mapping as the servers tell it: the same address seen by two servers
     * means one mapping for every destination; different ones, a new mapping for each.
     */
    String mapping() {
        Set<InetSocketAddress> seen = new HashSet<>();
        int answered = 0;
        for (ServerLink s : servers) {
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
        for (ServerLink s : servers) {
            s.lastSent = 0;
        }
    }

    /** The user gave this node an address of its own ({@code set -ip}): registered at once with it, asking for none. */
    @Override
    public void updateAddress(Ipv4Cidr now) { // no lock, as updateEndpoints
        automatic = false;
        address = now;
        for (ServerLink s : servers) {
            s.lastSent = 0;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            for (ServerLink s : servers) {
                if ((s.stream || s.address != null) && s.agreed != null) {
                    send(s, new DhtMessage.Leave(networkId, self, nextTime()), s.agreed);
                }
                if (s.link != null) {
                    s.link.close();
                    s.link = null;
                }
            }
        }
        owner.leave(this);
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
