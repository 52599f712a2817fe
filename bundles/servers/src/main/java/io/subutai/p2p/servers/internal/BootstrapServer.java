package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.subutai.p2p.wire.dht.DhtMessage;

/**
 * The bootstrap ("DHT") server (docs/protocol.md §7). Members of a network, named by its network
 * id (a digest of the hash; the server never learns the hash), register from their instance's
 * UDP socket every {@link #REFRESH_SECONDS} s; the server answers with the address it saw them
 * from (their reflexive address) and the overlay address it holds for them, and tells them who
 * else is there; it tells the others of joins and departures, forgets members silent for
 * {@link #FORGET_SECONDS} s, hands out overlay addresses to those that ask, and passes small
 * rendezvous messages between two members. It keeps soft state only: after a restart the
 * members' next refresh rebuilds it.
 *
 * <p>One thread ({@code p2p-dht-server}, see {@link DatagramServer}) does everything; {@link #close} stops it.
 * Without a socket ({@link #fed}) it has no thread: the caller feeds it and calls {@link #tick}.
 */
public final class BootstrapServer extends DatagramServer {

    public static final int REFRESH_SECONDS = 8;
    public static final int FORGET_SECONDS = 30;
    /** Limits that keep one server's memory bounded. */
    public static final int MAX_NETWORKS = 65_536;
    public static final int MAX_MEMBERS = 1024;
    /**
     * Quotas per source prefix (an IPv4 /24, an IPv6 /48): the members registered from it and the
     * networks it created, so that one host, or one that spoofs addresses of its own subnet, cannot
     * fill the server for everyone (the threat review's M4). Members behind one NAT share one.
     */
    public static final int MEMBERS_PER_PREFIX = 1024;
    public static final int NETWORKS_PER_PREFIX = 256;
    /** Rendezvous messages one member may send per second (a burst of as many). */
    public static final int RELAYS_PER_SECOND = 20;
    private static final int DATAGRAM = 1452;

    private static final class Member {
        final byte[] key;
        String source; // the prefix it registered from: where it counts
        InetSocketAddress reflexive;
        List<InetSocketAddress> locals;
        int address;
        int prefix;
        long lastSeen;
        double relayTokens = RELAYS_PER_SECOND;
        long relayRefill;

        Member(byte[] key) {
            this.key = key;
        }

        /** Where others may reach it: its local endpoints first, then the one the server saw (protocol §7). */
        List<InetSocketAddress> endpoints() {
            List<InetSocketAddress> e = new ArrayList<>();
            for (InetSocketAddress l : locals) {
                if (e.size() < DhtMessage.MAX_ENDPOINTS - 1) { // its own, even the one the server saw (no NAT)
                    e.add(l);
                }
            }
            e.add(reflexive);
            return e;
        }
    }

    private static final class Network {
        final byte[] id;
        final Map<String, Member> members = new LinkedHashMap<>();
        String creator; // the prefix that created it: where it counts
        int subnet; // network address of the overlay subnet, 0 until known
        int prefix;

        Network(byte[] id) {
            this.id = id;
        }
    }

    private final Map<String, Network> networks = new HashMap<>(); // owned by the thread
    private final Map<InetSocketAddress, Long> relays = new LinkedHashMap<>(); // relay -> last heard; the thread's
    private final ByteBuffer out = ByteBuffer.allocate(DATAGRAM);
    private volatile int memberCount;
    private final Map<String, int[]> perPrefix = new java.util.HashMap<>(); // the thread's: members and networks per source prefix
    private volatile long refused;
    private volatile int relayCount;

    private BootstrapServer(InetSocketAddress listen, LongSupplier nanos, Consumer<String> log) throws IOException {
        super(listen, DATAGRAM + 64, "p2p-dht-server", nanos, log);
    }

    /** Binds {@code listen} and serves until closed. */
    public static BootstrapServer start(InetSocketAddress listen, LongSupplier nanos, Consumer<String> log)
            throws IOException {
        BootstrapServer server = new BootstrapServer(listen, nanos, log);
        server.serve("Bootstrap server");
        return server;
    }

    /**
     * A server without a socket or a thread, at {@code address}, for simulations: datagrams come by
     * {@link #deliver}, and {@link #tick} lets its clock {@code nanos} forget silent members.
     */
    public static BootstrapServer fed(InetSocketAddress address, Outlet outlet, LongSupplier nanos, Consumer<String> log) {
        BootstrapServer server = new BootstrapServer(address, outlet, nanos, log);
        server.serve("Bootstrap server");
        return server;
    }

    private BootstrapServer(InetSocketAddress address, Outlet outlet, LongSupplier nanos, Consumer<String> log) {
        super(address, outlet, "p2p-dht-server", nanos, log);
    }

    /** Relays that announced themselves in the last 30 s. */
    public int relays() {
        return relayCount;
    }

    /** Members registered in all networks. */
    public int members() {
        return memberCount;
    }

    @Override
    void received(ByteBuffer datagram, InetSocketAddress from) throws IOException {
        DhtMessage m = DhtMessage.decode(datagram);
        if (m != null) {
            handle(m, from);
        }
    }

    private void handle(DhtMessage m, InetSocketAddress from) throws IOException {
        String id = DhtMessage.hex(m.networkId());
        if (m instanceof DhtMessage.Proxy p) {
            InetSocketAddress relay = new InetSocketAddress(from.getAddress(), p.port());
            if (relays.put(relay, nanos.getAsLong()) == null && relays.size() <= DhtMessage.MAX_ENDPOINTS) {
                log.accept("Relay " + relay.getAddress().getHostAddress() + ":" + relay.getPort() + " announced itself");
            } else if (relays.size() > DhtMessage.MAX_ENDPOINTS) {
                relays.remove(relay); // a handful is all members need
            }
            relayCount = relays.size();
            return;
        }
        if (m instanceof DhtMessage.Register r) {
            register(id, r, from);
            return;
        }
        Network n = networks.get(id);
        if (n == null) {
            return;
        }
        if (m instanceof DhtMessage.Leave l) {
            Member gone = n.members.get(DhtMessage.hex(l.staticKey()));
            if (gone != null && gone.reflexive.equals(from)) { // only from where it registered
                remove(n, gone);
            }
        } else if (m instanceof DhtMessage.Relay r) {
            relay(n, r, from);
        }
    }

    private void register(String id, DhtMessage.Register r, InetSocketAddress from) throws IOException {
        String source = prefix(from);
        int[] quota = perPrefix.computeIfAbsent(source, k -> new int[2]); // members, networks
        Network n = networks.get(id);
        String key = DhtMessage.hex(r.staticKey());
        Member m = n == null ? null : n.members.get(key);
        boolean fresh = m == null;
        if (fresh && (quota[0] >= MEMBERS_PER_PREFIX || n == null && quota[1] >= NETWORKS_PER_PREFIX)) {
            refused++;
            forgetIfUnused(source);
            return;
        }
        if (!fresh && !source.equals(m.source)) { // it moved to another prefix: it counts there now, if it may
            if (quota[0] >= MEMBERS_PER_PREFIX) {
                refused++;
                forgetIfUnused(source);
                return;
            }
            count(m.source, 0, -1);
            quota[0]++;
            m.source = source;
        }
        if (n == null) {
            if (networks.size() >= MAX_NETWORKS) {
                forgetIfUnused(source);
                return;
            }
            n = new Network(r.networkId());
            n.creator = source;
            quota[1]++;
            networks.put(id, n);
        }
        if (fresh) {
            if (n.members.size() >= MAX_MEMBERS) {
                if (n.members.isEmpty()) {
                    networks.remove(id);
                    count(n.creator, 1, -1);
                }
                return;
            }
            m = new Member(r.staticKey());
            m.source = source;
            quota[0]++;
            n.members.put(key, m);
            memberCount++;
            log.accept("Member " + key.substring(0, 8) + " of network " + id.substring(0, 8) + " registered from "
                    + from.getAddress().getHostAddress() + ":" + from.getPort() + " (" + n.members.size() + " there)");
        }
        boolean moved = !fresh && (!m.reflexive.equals(from) || !m.locals.equals(r.endpoints()));
        m.reflexive = from;
        m.locals = List.copyOf(r.endpoints());
        m.lastSeen = nanos.getAsLong();
        address(n, m, r);
        send(from, new DhtMessage.Welcome(n.id, from, m.address, m.prefix, REFRESH_SECONDS));
        if (!relays.isEmpty()) {
            send(from, new DhtMessage.Relays(n.id, new ArrayList<>(relays.keySet())));
        }
        sendPeers(n, from, others(n, m)); // every refresh: a lost list is made good within one interval
        if (fresh || moved) {
            for (Member o : n.members.values()) {
                if (o != m) {
                    sendPeers(n, o.reflexive, List.of(m));
                }
            }
        }
    }

    /**
     * The member's overlay address: one it has (it becomes the network's subnet when there is none
     * yet), or, when it asks, the one it held before if still free, else the first free one.
     */
    private static void address(Network n, Member m, DhtMessage.Register r) {
        if (!r.wantsAddress()) {
            m.address = r.address();
            m.prefix = r.prefix();
            if (n.subnet == 0 && r.address() != 0 && r.prefix() > 0 && r.prefix() < 31) {
                n.prefix = r.prefix();
                n.subnet = r.address() & mask(r.prefix());
            }
            return;
        }
        if (n.subnet == 0 && r.address() != 0 && r.prefix() > 0 && r.prefix() < 31) {
            n.prefix = r.prefix(); // a member asking for the address it had: the subnet it had it in
            n.subnet = r.address() & mask(r.prefix());
        }
        if (n.subnet == 0) {
            n.prefix = 24;
            n.subnet = 10 << 24 | (n.id[0] & 255) << 16 | (n.id[1] & 255) << 8; // 10.x.y.0/24 from the id
        }
        int size = 1 << (32 - n.prefix);
        BitSet used = new BitSet(size);
        for (Member o : n.members.values()) {
            if (o != m && o.address != 0 && (o.address & mask(n.prefix)) == n.subnet) {
                used.set(o.address - n.subnet);
            }
        }
        int wanted = m.address != 0 ? m.address : r.address();
        if (wanted != 0 && (wanted & mask(n.prefix)) == n.subnet) {
            int host = wanted - n.subnet;
            if (host > 0 && host < size - 1 && !used.get(host)) {
                m.address = wanted;
                m.prefix = n.prefix;
                return;
            }
        }
        for (int host = 1; host < size - 1; host++) {
            if (!used.get(host)) {
                m.address = n.subnet + host;
                m.prefix = n.prefix;
                return;
            }
        }
        m.address = 0; // the subnet is full
        m.prefix = 0;
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static List<Member> others(Network n, Member self) {
        List<Member> o = new ArrayList<>();
        for (Member m : n.members.values()) {
            if (m != self) {
                o.add(m);
            }
        }
        return o;
    }

    /** PEERS in as many datagrams as the members need. */
    private void sendPeers(Network n, InetSocketAddress to, List<Member> members) throws IOException {
        List<DhtMessage.Member> batch = new ArrayList<>();
        int size = 4 + 1 + DhtMessage.NETWORK_ID + 1;
        for (Member m : members) {
            List<InetSocketAddress> e = m.endpoints();
            int entry = DhtMessage.KEY + 1 + e.size() * 19;
            if (!batch.isEmpty() && (batch.size() == DhtMessage.MAX_MEMBERS || size + entry > DATAGRAM)) {
                send(to, new DhtMessage.Peers(n.id, batch));
                batch = new ArrayList<>();
                size = 4 + 1 + DhtMessage.NETWORK_ID + 1;
            }
            batch.add(new DhtMessage.Member(m.key, e));
            size += entry;
        }
        if (!batch.isEmpty()) {
            send(to, new DhtMessage.Peers(n.id, batch));
        }
    }

    private void relay(Network n, DhtMessage.Relay r, InetSocketAddress from) throws IOException {
        Member sender = null;
        for (Member m : n.members.values()) {
            if (m.reflexive.equals(from)) {
                sender = m;
                break;
            }
        }
        Member target = n.members.get(DhtMessage.hex(r.staticKey()));
        if (sender == null || target == null) {
            return; // only members pass messages, only to members
        }
        long now = nanos.getAsLong();
        sender.relayTokens = Math.min(RELAYS_PER_SECOND, sender.relayTokens + (now - sender.relayRefill) / 1e9 * RELAYS_PER_SECOND);
        sender.relayRefill = now;
        if (sender.relayTokens < 1) {
            return;
        }
        sender.relayTokens--;
        send(target.reflexive, new DhtMessage.Relay(n.id, sender.key, r.payload()));
    }

    private void remove(Network n, Member gone) throws IOException {
        n.members.remove(DhtMessage.hex(gone.key));
        memberCount--;
        count(gone.source, 0, -1);
        for (Member o : n.members.values()) {
            send(o.reflexive, new DhtMessage.Gone(n.id, List.of(gone.key)));
        }
        if (n.members.isEmpty()) {
            networks.remove(DhtMessage.hex(n.id));
            count(n.creator, 1, -1);
        }
    }

    /** Adds {@code delta} to the count {@code which} (0: members, 1: networks) of a source prefix. */
    private void count(String source, int which, int delta) {
        int[] q = perPrefix.get(source);
        if (q != null) {
            q[which] += delta;
            forgetIfUnused(source);
        }
    }

    private void forgetIfUnused(String source) {
        int[] q = perPrefix.get(source);
        if (q != null && q[0] <= 0 && q[1] <= 0) {
            perPrefix.remove(source);
        }
    }

    /** The prefix a source address counts under: its IPv4 /24, or its IPv6 /48. */
    static String prefix(InetSocketAddress from) {
        byte[] a = from.getAddress() == null ? new byte[0] : from.getAddress().getAddress();
        return java.util.HexFormat.of().formatHex(a, 0, Math.min(a.length, a.length == 4 ? 3 : 6));
    }

    /** REGISTERs refused by the quotas per source prefix. */
    public long refusedByQuota() {
        return refused;
    }

    @Override
    void everySecond(long now) {
        long limit = FORGET_SECONDS * 1_000_000_000L;
        relays.values().removeIf(heard -> now - heard > limit);
        relayCount = relays.size();
        for (Iterator<Network> it = new ArrayList<>(networks.values()).iterator(); it.hasNext();) {
            Network n = it.next();
            for (Member m : new ArrayList<>(n.members.values())) {
                if (now - m.lastSeen > limit) {
                    try {
                        remove(n, m);
                    } catch (IOException e) {
                        log.accept("Bootstrap server: " + e);
                    }
                }
            }
        }
    }

    private void send(InetSocketAddress to, DhtMessage m) throws IOException {
        out.clear();
        DhtMessage.encode(m, out);
        out.flip();
        send(out.array(), out.limit(), to);
    }
}
