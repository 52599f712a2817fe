package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * The bootstrap ("DHT") server (docs/protocol.md §7). Members of a network, named by its network
 * id (the server never learns the network's secret), register from their instance's UDP socket
 * every {@link #REFRESH_SECONDS} s with their record, which they tag end to end: the server keeps
 * and forwards it as it is, and cannot forge or alter it. A source first gets only a cookie (no
 * larger than its request); a REGISTER that echoes it and proves the member's static key (a MAC
 * with the key the member and this server agree) gets the address the server saw it from, the
 * overlay address it holds, the relays the operator allows and the other members; the others hear
 * of it. Every answer to a member is MACed with that member's agreed key. The server forgets
 * members silent for {@link #FORGET_SECONDS} s, a bounded number per second. It keeps soft state
 * only (besides its key): after a restart the members' next refresh rebuilds it.
 *
 * <p>With a stream port ({@link StreamOptions}, {@code -tcp}), members that cannot use UDP register
 * over TCP (docs/protocol.md §10): such a member needs no cookie (the TCP handshake proved its
 * address; one that does not know the server's key yet still gets a COOKIE, which carries it),
 * everything for it goes down its stream, and WELCOME and PEERS give its reflexive endpoint with
 * port 0 (it has no UDP mapping here). When its stream ends it is silent, and forgotten as any.
 *
 * <p>One thread ({@code p2p-dht-server}, see {@link DatagramServer}) does everything, with the
 * stream port's ({@code p2p-dht-server-tcp-N}); {@link #close} stops them.
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
    /**
     * Keys a source prefix may prove per second (an X25519 each; members already registered cost
     * none): a source with a valid cookie cannot keep the server's thread busy with new keys.
     */
    public static final int PROOFS_PER_PREFIX_SECOND = 128;
    /** Silent members forgotten per second at most: the sweep's work is bounded (M4). */
    public static final int SWEEP_PER_SECOND = 4096;
    private static final int DATAGRAM = 1452;
    private static final long LOG_EVERY = 60_000_000_000L;

    private static final class Member {
        final byte[] key;
        final byte[] agreed; // with this server: MACs its messages and ours to it
        final Network network;
        String source; // the prefix it registered from: where it counts
        InetSocketAddress reflexive;
        boolean stream; // reflexive is the remote address of a stream
        DhtMessage.Signed signed;
        OverlayAddresses.Held held = OverlayAddresses.Held.NONE;
        long lastSeen;

        Member(byte[] key, byte[] agreed, Network network) {
            this.key = key;
            this.agreed = agreed;
            this.network = network;
        }
    }

    private static final class Network {
        final byte[] id;
        final Map<String, Member> members = new LinkedHashMap<>();
        final OverlayAddresses<Member> addresses;
        String creator; // the prefix that created it: where it counts

        Network(byte[] id) {
            this.id = id;
            this.addresses = new OverlayAddresses<>(id);
        }
    }

    // all the thread's
    /** A cookie is given for this long and accepted for one more (docs/protocol.md §7.3). */
    static final int COOKIE_PERIOD_SECONDS = 60;

    private final Map<String, Network> networks = new HashMap<>();
    /** Every member, least recently registered first: the sweep looks at the head only. */
    private final LinkedHashMap<Member, Boolean> bySeen = new LinkedHashMap<>();
    private final ByteBuffer out = ByteBuffer.allocate(DATAGRAM);
    private final Map<String, int[]> perPrefix = new HashMap<>(); // members and networks per source prefix
    private final SourceCookies cookies = new SourceCookies(nanos, COOKIE_PERIOD_SECONDS);
    private final Map<String, int[]> proofs = new HashMap<>(); // new keys proven this second, per source prefix
    private final ServerKey key;
    private final RelayPolicy relays;
    private long lastOldVersionLog = Long.MIN_VALUE / 2;
    private volatile int memberCount;
    private volatile long refused;
    private volatile long unproven;
    private volatile long oldVersion;

    private BootstrapServer(InetSocketAddress listen, LongSupplier nanos, Consumer<String> log, ServerKey key,
            RelayPolicy relays, StreamOptions streams) throws IOException {
        super(listen, DATAGRAM + 64, "p2p-dht-server", nanos, log, streams, Io.PLAIN);
        this.key = key;
        this.relays = relays;
    }

    private BootstrapServer(InetSocketAddress address, Outlet outlet, LongSupplier nanos, Consumer<String> log,
            ServerKey key, RelayPolicy relays) {
        super(address, outlet, "p2p-dht-server", nanos, log);
        this.key = key;
        this.relays = relays;
    }

    /** Binds {@code listen} and serves until closed, with a key of its own for this run and no relay allowlist. */
    public static BootstrapServer start(InetSocketAddress listen, LongSupplier nanos, Consumer<String> log)
            throws IOException {
        return start(listen, nanos, log, ServerKey.ephemeral(), List.of());
    }

    /**
     * Binds {@code listen} and serves until closed with {@code key}, offering members the relays
     * of {@code allowedRelays} (HOST:PORT), or, when it is empty, only relays on this host.
     */
    public static BootstrapServer start(InetSocketAddress listen, LongSupplier nanos, Consumer<String> log,
            ServerKey key, List<InetSocketAddress> allowedRelays) throws IOException {
        return start(listen, nanos, log, key, allowedRelays, null);
    }

    /** As {@link #start(InetSocketAddress, LongSupplier, Consumer, ServerKey, List)}, taking streams as {@code streams} says (null: none). */
    public static BootstrapServer start(InetSocketAddress listen, LongSupplier nanos, Consumer<String> log,
            ServerKey key, List<InetSocketAddress> allowedRelays, StreamOptions streams) throws IOException {
        BootstrapServer server = new BootstrapServer(listen, nanos, log, key,
                RelayPolicy.of(allowedRelays, listen.getAddress()), streams);
        server.serve("Bootstrap server");
        server.sayHow();
        return server;
    }

    /**
     * A server without a socket or a thread, at {@code address}, for simulations: datagrams come by
     * {@link #deliver}, and {@link #tick} lets its clock {@code nanos} forget silent members.
     */
    public static BootstrapServer fed(InetSocketAddress address, Outlet outlet, LongSupplier nanos, Consumer<String> log,
            ServerKey key, List<InetSocketAddress> allowedRelays) {
        BootstrapServer server = new BootstrapServer(address, outlet, nanos, log, key,
                RelayPolicy.of(allowedRelays, address.getAddress()));
        try {
            server.serve("Bootstrap server");
        } catch (IOException e) {
            throw new IllegalStateException("a server without a socket has no stream port to bind", e);
        }
        server.sayHow();
        return server;
    }

    private void sayHow() {
        log.accept("Bootstrap server key " + key.hex() + ": members pin it with -dht HOST:PORT@" + key.hex());
        log.accept(relays.describe());
    }

    /** The key members pin. */
    public ServerKey key() {
        return key;
    }

    /** Relays that announced themselves in the last 30 s and are offered. */
    public int relays() {
        return relays.count();
    }

    /** Members registered in all networks. */
    public int members() {
        return memberCount;
    }

    /** REGISTERs refused by the quotas per source prefix (members, networks, new keys proven per second). */
    public long refusedByQuota() {
        return refused;
    }

    /** REGISTERs and LEAVEs dropped for want of proof of the member's key (bad MAC, old record). */
    public long unproven() {
        return unproven;
    }

    /** Bootstrap datagrams of an earlier protocol version, dropped. */
    public long olderVersion() {
        return oldVersion;
    }

    @Override
    void received(ByteBuffer datagram, InetSocketAddress from, boolean stream) throws IOException {
        if (from.getPort() == 0) {
            return; // nothing can answer port 0 (L8)
        }
        int size = datagram.remaining();
        DhtMessage m = DhtMessage.decode(datagram.duplicate());
        if (m == null) {
            olderVersion(datagram);
        } else if (m instanceof DhtMessage.Proxy p) {
            relays.announced(new DhtMessage.Relay(new InetSocketAddress(from.getAddress(), p.port()), p.streamPort(),
                    p.certificate()), nanos.getAsLong(), log);
        } else if (m instanceof DhtMessage.Register r) {
            register(r, datagram, size, from, stream);
        } else if (m instanceof DhtMessage.Leave l) {
            leave(l, datagram);
        }
    }

    private void olderVersion(ByteBuffer d) {
        int p = d.position();
        if (d.remaining() >= Header.SIZE && d.get(p + 1) == DhtMessage.TYPE && d.get(p) != Header.VERSION) {
            oldVersion++;
            long now = nanos.getAsLong();
            if (now - lastOldVersionLog >= LOG_EVERY) {
                lastOldVersionLog = now;
                log.accept("Bootstrap server: dropped a bootstrap message of protocol version " + d.get(p)
                        + " (this server speaks version " + Header.VERSION + "; " + oldVersion + " so far): upgrade that member");
            }
        }
    }

    private void leave(DhtMessage.Leave l, ByteBuffer datagram) throws IOException {
        Network n = networks.get(DhtMessage.hex(l.networkId()));
        Member gone = n == null ? null : n.members.get(DhtMessage.hex(l.staticKey()));
        if (gone == null) {
            return;
        }
        if (!DhtMessage.authentic(datagram, gone.agreed) || l.time() < gone.signed.record().time()) {
            unproven++; // not its own, or an old one replayed
            return;
        }
        remove(n, gone);
    }

    private void register(DhtMessage.Register r, ByteBuffer datagram, int size, InetSocketAddress from, boolean stream)
            throws IOException {
        long now = nanos.getAsLong();
        boolean cookie = cookies.valid(r.cookie(), from);
        if (!cookie && !stream) {
            cookie(r, from, false, size); // the only answer to a source not verified: no larger than what it sent
            return;
        }
        DhtRecord record = r.signed().record();
        String id = DhtMessage.hex(r.networkId());
        Network n = networks.get(id);
        String memberKey = DhtMessage.hex(record.staticKey());
        Member m = n == null ? null : n.members.get(memberKey);
        if (m == null && proofs.computeIfAbsent(prefix(from), k -> new int[1])[0]++ >= PROOFS_PER_PREFIX_SECOND) {
            refused++;
            return;
        }
        byte[] agreed = m != null ? m.agreed : key.agree(record.staticKey());
        if (agreed == null || !DhtMessage.authentic(datagram, agreed) || m != null && record.time() < m.signed.record().time()) {
            unproven++; // no proof of the key, or an older record than the one it has (a replay)
            if (stream && !cookie) {
                cookie(r, from, true, size); // a stream member that does not know this server's key learns it
            }
            return;
        }
        String source = prefix(from);
        int[] quota = perPrefix.computeIfAbsent(source, k -> new int[2]); // members, networks
        boolean fresh = m == null;
        if (fresh && (quota[0] >= MEMBERS_PER_PREFIX || n == null && quota[1] >= NETWORKS_PER_PREFIX)
                || !fresh && !source.equals(m.source) && quota[0] >= MEMBERS_PER_PREFIX) {
            refused++;
            forgetIfUnused(source);
            return;
        }
        if (!fresh && !source.equals(m.source)) { // it moved to another prefix: it counts there now
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
                forgetIfUnused(source);
                return;
            }
            m = new Member(record.staticKey(), agreed, n);
            m.source = source;
            quota[0]++;
            n.members.put(memberKey, m);
            memberCount++;
            log.accept("Member " + memberKey.substring(0, 8) + " of network " + id.substring(0, 8) + " registered from "
                    + from.getAddress().getHostAddress() + ":" + from.getPort() + (stream ? " over a stream" : "")
                    + " (" + n.members.size() + " there)");
        }
        DhtRecord before = fresh ? null : m.signed.record();
        boolean moved = !fresh && (!m.reflexive.equals(from) || m.stream != stream
                || !before.endpoints().equals(record.endpoints())
                || before.address() != record.address() || before.prefix() != record.prefix());
        m.reflexive = from;
        m.stream = stream;
        m.signed = r.signed();
        m.lastSeen = now;
        bySeen.remove(m);
        bySeen.put(m, Boolean.TRUE);
        m.held = n.addresses.register(m, m.held, record);
        sendPeers(n, m, others(n, m)); // every refresh: a lost list is made good within one interval
        List<DhtMessage.Relay> offered = relays.offered();
        if (!offered.isEmpty()) {
            send(m, new DhtMessage.Relays(n.id, offered));
        }
        // last: a -ip dhcp member has the others' records (their subnet) when its address comes
        send(m, new DhtMessage.Welcome(n.id, shown(m), m.held.address(), m.held.prefix(), REFRESH_SECONDS));
        if (fresh || moved) {
            for (Member o : n.members.values()) {
                if (o != m) {
                    sendPeers(n, o, List.of(m));
                }
            }
        }
    }

    /** A COOKIE for the source of {@code r}, with this server's key; none when larger than {@code atMost}. */
    private void cookie(DhtMessage.Register r, InetSocketAddress from, boolean stream, int atMost) throws IOException {
        DhtMessage.Cookie c = new DhtMessage.Cookie(r.networkId(), cookies.make(from), key.publicKey());
        send(from, stream, c, null, atMost);
    }

    /** The reflexive endpoint others are told of {@code m}: port 0 when it came over a stream (no UDP mapping here). */
    private static InetSocketAddress shown(Member m) {
        return m.stream ? new InetSocketAddress(m.reflexive.getAddress(), 0) : m.reflexive;
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

    /** PEERS to {@code to} in as many datagrams as the members need. */
    private void sendPeers(Network n, Member to, List<Member> members) throws IOException {
        List<DhtMessage.Member> batch = new ArrayList<>();
        int empty = Header.SIZE + 1 + DhtMessage.NETWORK_ID + 1 + DhtMessage.MAC;
        int size = empty;
        for (Member m : members) {
            int entry = 19 + 1 + m.signed.bytes().length + DhtMessage.TAG;
            if (!batch.isEmpty() && (batch.size() == DhtMessage.MAX_MEMBERS || size + entry > DATAGRAM)) {
                send(to, new DhtMessage.Peers(n.id, batch));
                batch = new ArrayList<>();
                size = empty;
            }
            batch.add(new DhtMessage.Member(shown(m), m.signed));
            size += entry;
        }
        if (!batch.isEmpty()) {
            send(to, new DhtMessage.Peers(n.id, batch));
        }
    }

    private void remove(Network n, Member gone) throws IOException {
        forget(n, gone);
        tellGone(n, List.of(gone.key));
    }

    /** Forgets a member without telling the others. */
    private void forget(Network n, Member gone) {
        n.members.remove(DhtMessage.hex(gone.key));
        bySeen.remove(gone);
        n.addresses.release(gone, gone.held);
        memberCount--;
        count(gone.source, 0, -1);
        if (n.members.isEmpty()) {
            networks.remove(DhtMessage.hex(n.id));
            count(n.creator, 1, -1);
        }
    }

    /** GONE with {@code keys} to every member of {@code n}, up to {@link DhtMessage#MAX_MEMBERS} keys a datagram. */
    private void tellGone(Network n, List<byte[]> keys) throws IOException {
        for (int i = 0; i < keys.size(); i += DhtMessage.MAX_MEMBERS) {
            List<byte[]> batch = keys.subList(i, Math.min(keys.size(), i + DhtMessage.MAX_MEMBERS));
            for (Member o : n.members.values()) {
                send(o, new DhtMessage.Gone(n.id, batch));
            }
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

    /**
     * Forgets silent relays, and at most {@link #SWEEP_PER_SECOND} silent members, the least
     * recently seen first (the rest were seen later); the others of each network hear of them in
     * as few GONE messages as they fit in.
     */
    @Override
    void everySecond(long now) {
        long limit = FORGET_SECONDS * 1_000_000_000L;
        relays.sweep(now, limit);
        proofs.clear();
        Iterator<Member> it = bySeen.keySet().iterator();
        Map<Network, List<byte[]>> gone = new LinkedHashMap<>();
        int swept = 0;
        while (it.hasNext() && swept < SWEEP_PER_SECOND) {
            Member m = it.next();
            if (now - m.lastSeen <= limit) {
                break;
            }
            gone.computeIfAbsent(m.network, k -> new ArrayList<>()).add(m.key);
            swept++;
        }
        for (Map.Entry<Network, List<byte[]>> e : gone.entrySet()) {
            for (byte[] k : e.getValue()) {
                forget(e.getKey(), e.getKey().members.get(DhtMessage.hex(k)));
            }
            try {
                tellGone(e.getKey(), e.getValue());
            } catch (IOException x) {
                log.accept("Bootstrap server: " + x);
            }
        }
    }

    /** Sends {@code m} to member {@code to}, MACed with its agreed key, the way it came (UDP or its stream). */
    private void send(Member to, DhtMessage m) throws IOException {
        send(to.reflexive, to.stream, m, to.agreed, 0);
    }

    /**
     * Sends {@code m} to {@code to} (over its stream when {@code stream}), MACed with {@code agreed}
     * when its operation has a MAC; not at all when {@code atMost} is positive and the datagram
     * would be larger.
     */
    private void send(InetSocketAddress to, boolean stream, DhtMessage m, byte[] agreed, int atMost) throws IOException {
        out.clear();
        DhtMessage.encode(m, out, agreed);
        out.flip();
        if (atMost > 0 && out.limit() > atMost) {
            return;
        }
        send(out.array(), out.limit(), to, stream);
    }
}
