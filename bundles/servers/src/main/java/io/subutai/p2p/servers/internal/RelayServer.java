package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * The relay ("proxy") server (docs/protocol.md §8). A member that cannot reach a peer directly
 * asks, from its instance socket, for an <em>allocation</em>: a handle at the relay that stands for
 * it. Members then send datagrams for a handle to the relay's one port (SEND), and the relay passes
 * each to the member with that handle (FROM, naming the sender's handle), from the same port: a
 * member only ever talks to one address of the relay, which is what a NAT that maps every
 * destination anew (symmetric) lets through. The relay sees only ciphertext; it relays only between
 * members of one network that both hold an allocation, at most {@code bytesPerSecond} from each
 * and {@code totalBytesPerSecond} in all, and forgets an allocation not refreshed for {@link
 * #LIFETIME_SECONDS} s.
 *
 * <p>An address gets nothing but a {@link SourceCookies cookie}, in fewer bytes than it sent, until
 * it echoes one: so a spoofed source can neither allocate nor be sent anything more than it
 * "sent". An allocation comes with a random secret, and only a REFRESH or RELEASE that proves it
 * (or a cookie-proven ALLOCATE of the same member from the same address) keeps or ends it. At most
 * {@link #PER_PREFIX} allocations come from one source prefix (IPv4 /24, IPv6 /48), so that a
 * flood from one leaves room for everyone else.
 *
 * <p>With a stream port ({@link StreamOptions}, {@code -tcp}), members that cannot use UDP reach
 * it over TCP (docs/protocol.md §10), and the relay bridges between them and its UDP members: a
 * stream member allocates without a cookie (the TCP handshake proved its address), gets a handle
 * from {@link RelayMessage#STREAM_HANDLES} up (UDP members get 1 to 32767), and its allocation
 * ends with its stream. The relay then announces its stream port and certificate too.
 *
 * <p>One thread ({@code p2p-proxy-server}, see {@link DatagramServer}), and the stream port's
 * ({@code p2p-proxy-server-tcp-N}); {@link #close} stops them. Without a socket ({@link #fed}) it
 * has no thread: the caller feeds it and calls {@link #tick}.
 */
public final class RelayServer extends DatagramServer {

    public static final int LIFETIME_SECONDS = 30;
    public static final int MAX_ALLOCATIONS = 4096;
    /** Allocations from one source prefix, at most: 256 members behind one NAT address fit twice. */
    public static final int PER_PREFIX = 512;
    private static final int DATAGRAM = 65_535;

    private static final class Allocation {
        final String network;
        final byte[] key;
        final InetSocketAddress member;
        final boolean stream; // the member is at the far end of a stream from member
        final String prefix;
        final int handle;
        final byte[] secret;
        long refreshed;
        final TokenBucket rate;

        Allocation(String network, byte[] key, InetSocketAddress member, boolean stream, int handle, byte[] secret,
                TokenBucket rate) {
            this.network = network;
            this.key = key;
            this.member = member;
            this.stream = stream;
            this.prefix = BootstrapServer.prefix(member);
            this.handle = handle;
            this.secret = secret;
            this.rate = rate;
        }
    }

    // immutable
    private final long bytesPerSecond;
    private final List<InetSocketAddress> bootstrap;
    // owned by the thread
    private final Map<InetSocketAddress, Allocation> byMember = new HashMap<>();
    private final Allocation[] byHandle = new Allocation[65_536]; // a handle's allocation, looked up per datagram unboxed
    private final Map<String, Integer> perPrefix = new HashMap<>();
    private final TokenBucket total; // null: no global cap
    private final SourceCookies cookies;
    private final byte[] out = new byte[DATAGRAM];
    /** Handles and secrets are random, so that no one can guess another member's (the threat review's H6). */
    private final SecureRandom random = new SecureRandom();
    private long lastAnnounce = Long.MIN_VALUE / 2;
    // read by any thread
    private volatile long relayedBytes;
    private volatile long dropped;
    private volatile long refused;
    private volatile int allocations;

    /** Binds {@code listen} and serves until closed, relaying at most {@code bytesPerSecond} from each member. */
    public static RelayServer start(InetSocketAddress listen, long bytesPerSecond, LongSupplier nanos, Consumer<String> log)
            throws IOException {
        return start(listen, bytesPerSecond, 0, nanos, log, List.of());
    }

    /**
     * As {@link #start(InetSocketAddress, long, LongSupplier, Consumer)}, relaying at most {@code
     * totalBytesPerSecond} in all (0: no such cap) and announcing itself to the bootstrap servers
     * {@code bootstrap} every 8 s (they hand it to members).
     */
    public static RelayServer start(InetSocketAddress listen, long bytesPerSecond, long totalBytesPerSecond,
            LongSupplier nanos, Consumer<String> log, List<InetSocketAddress> bootstrap) throws IOException {
        return start(listen, bytesPerSecond, totalBytesPerSecond, nanos, log, bootstrap, null);
    }

    /**
     * As {@link #start(InetSocketAddress, long, long, LongSupplier, Consumer, List)}, taking
     * streams as {@code streams} says (null: none), and announcing them.
     */
    public static RelayServer start(InetSocketAddress listen, long bytesPerSecond, long totalBytesPerSecond,
            LongSupplier nanos, Consumer<String> log, List<InetSocketAddress> bootstrap, StreamOptions streams)
            throws IOException {
        return start(listen, bytesPerSecond, totalBytesPerSecond, nanos, log, bootstrap, streams, Io.BATCH_OFFLOAD);
    }

    /**
     * As {@link #start(InetSocketAddress, long, long, LongSupplier, Consumer, List, StreamOptions)},
     * its UDP port moving datagrams as {@code io} says (where it can: else one per call).
     */
    static RelayServer start(InetSocketAddress listen, long bytesPerSecond, long totalBytesPerSecond, LongSupplier nanos,
            Consumer<String> log, List<InetSocketAddress> bootstrap, StreamOptions streams, Io io) throws IOException {
        RelayServer server = new RelayServer(listen, bytesPerSecond, totalBytesPerSecond, nanos, log, bootstrap, streams, io);
        server.serve("Relay server");
        return server;
    }

    /**
     * A relay without a socket or a thread, at {@code address}, for simulations: datagrams come by
     * {@link #deliver}, and {@link #tick} lets its clock {@code nanos} expire allocations and
     * announce it to {@code bootstrap}.
     */
    public static RelayServer fed(InetSocketAddress address, Outlet outlet, long bytesPerSecond, LongSupplier nanos,
            Consumer<String> log, List<InetSocketAddress> bootstrap) {
        return fed(address, outlet, bytesPerSecond, 0, nanos, log, bootstrap);
    }

    /** As {@link #fed(InetSocketAddress, Outlet, long, LongSupplier, Consumer, List)}, with a global cap (0: none). */
    public static RelayServer fed(InetSocketAddress address, Outlet outlet, long bytesPerSecond, long totalBytesPerSecond,
            LongSupplier nanos, Consumer<String> log, List<InetSocketAddress> bootstrap) {
        RelayServer server = new RelayServer(address, outlet, bytesPerSecond, totalBytesPerSecond, nanos, log, bootstrap);
        try {
            server.serve("Relay server");
        } catch (IOException e) {
            throw new IllegalStateException("a relay without a socket has no stream port to bind", e);
        }
        return server;
    }

    private RelayServer(InetSocketAddress listen, long bytesPerSecond, long totalBytesPerSecond, LongSupplier nanos,
            Consumer<String> log, List<InetSocketAddress> bootstrap, StreamOptions streams, Io io) throws IOException {
        super(listen, DATAGRAM, "p2p-proxy-server", nanos, log, streams, io);
        this.bytesPerSecond = bytesPerSecond;
        this.bootstrap = List.copyOf(bootstrap);
        this.total = totalBytesPerSecond > 0 ? new TokenBucket(totalBytesPerSecond, nanos.getAsLong()) : null;
        this.cookies = new SourceCookies(nanos);
    }

    private RelayServer(InetSocketAddress address, Outlet outlet, long bytesPerSecond, long totalBytesPerSecond,
            LongSupplier nanos, Consumer<String> log, List<InetSocketAddress> bootstrap) {
        super(address, outlet, "p2p-proxy-server", nanos, log);
        this.bytesPerSecond = bytesPerSecond;
        this.bootstrap = List.copyOf(bootstrap);
        this.total = totalBytesPerSecond > 0 ? new TokenBucket(totalBytesPerSecond, nanos.getAsLong()) : null;
        this.cookies = new SourceCookies(nanos);
    }

    /**
     * The bootstrap servers in {@code list}, comma-separated {@code HOST:PORT}s (blank: none); null
     * when an entry is not one, after giving it to {@code invalid}.
     */
    public static List<InetSocketAddress> bootstrapServers(String list, Consumer<String> invalid) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            InetSocketAddress a = listenAddress(s.strip());
            if (a == null || a.getAddress().isAnyLocalAddress()) {
                invalid.accept(s.strip());
                return null;
            }
            out.add(a);
        }
        return out;
    }

    /** Bytes of datagrams relayed so far (without envelopes). */
    public long relayedBytes() {
        return relayedBytes;
    }

    /** Datagrams dropped: from nobody allowed, to nobody there, over a rate, without proof, or malformed. */
    public long dropped() {
        return dropped;
    }

    /** ALLOCATEs with a valid cookie refused: the table or the source's prefix full, or the address another member's. */
    public long refused() {
        return refused;
    }

    public int allocations() {
        return allocations;
    }

    @Override
    void received(ByteBuffer datagram, InetSocketAddress from, boolean stream) throws IOException {
        int op = RelayMessage.op(datagram);
        if (op == RelayMessage.OP_SEND) {
            relay(datagram, from, stream);
            return;
        }
        RelayMessage m = op == RelayMessage.OP_ALLOCATE || op == RelayMessage.OP_REFRESH || op == RelayMessage.OP_RELEASE
                ? RelayMessage.decode(datagram)
                : null;
        if (m == null) {
            dropped++;
        } else if (op == RelayMessage.OP_ALLOCATE) {
            allocate(m, from, stream);
        } else {
            proven(m, from, stream);
        }
    }

    /** A stream is gone: so is the allocation of the member at its far end, at once. */
    @Override
    void streamClosed(InetSocketAddress from) {
        Allocation a = byMember.get(from);
        if (a != null && a.stream) {
            release(a);
        }
    }

    /** The allocation held at {@code from} the way a datagram came ({@code stream} or not), or null. */
    private Allocation at(InetSocketAddress from, boolean stream) {
        Allocation a = byMember.get(from);
        return a != null && a.stream == stream ? a : null;
    }

    @Override
    void everySecond(long now) {
        sweep(now);
        if (now - lastAnnounce > 8_000_000_000L) {
            lastAnnounce = now;
            announce();
        }
    }

    /**
     * An ALLOCATE: without a valid cookie of its source, only the cookie goes back (in fewer bytes
     * than came); with one, or over a stream, the member's allocation, new or the one it holds at
     * that address.
     */
    private void allocate(RelayMessage m, InetSocketAddress from, boolean stream) throws IOException {
        if (!stream && !cookies.valid(m.token(), from)) {
            reply(RelayMessage.cookie(cookies.make(from)), from, false);
            return;
        }
        String network = HexFormat.of().formatHex(m.networkId());
        Allocation a = byMember.get(from);
        if (a != null && (a.stream != stream || !a.network.equals(network) || !Arrays.equals(a.key, m.staticKey()))) {
            refused++; // the address holds another member's allocation, which only its secret ends
            return;
        }
        if (a == null) {
            a = allocation(network, m.staticKey(), from, stream);
            if (a == null) {
                refused++;
                return;
            }
        }
        a.refreshed = nanos.getAsLong();
        allocated(a);
    }

    /**
     * A new allocation for a member at {@code from} (over a stream, or not); null when the table or
     * the source's prefix is full. A stream member's handle is one of {@link
     * RelayMessage#STREAM_HANDLES} to 65535, a UDP member's 1 to 32767.
     */
    private Allocation allocation(String network, byte[] key, InetSocketAddress from, boolean stream) {
        String prefix = BootstrapServer.prefix(from);
        if (byMember.size() >= MAX_ALLOCATIONS || perPrefix.getOrDefault(prefix, 0) >= PER_PREFIX) {
            return null;
        }
        int handle;
        do { // the table holds at most MAX_ALLOCATIONS of the 32767 or 32768 handles of either kind
            handle = stream ? RelayMessage.STREAM_HANDLES + random.nextInt(65_536 - RelayMessage.STREAM_HANDLES)
                    : 1 + random.nextInt(RelayMessage.STREAM_HANDLES - 1);
        } while (byHandle[handle] != null);
        byte[] secret = new byte[RelayMessage.TOKEN];
        random.nextBytes(secret);
        Allocation a = new Allocation(network, key, from, stream, handle, secret,
                new TokenBucket(bytesPerSecond, nanos.getAsLong()));
        byMember.put(from, a);
        byHandle[handle] = a;
        if (perPrefix.merge(prefix, 1, Integer::sum) == PER_PREFIX) {
            log.accept("Relay server: " + PER_PREFIX + " allocations from " + from.getAddress().getHostAddress()
                    + "'s prefix, its quota: no more from there until some expire");
        }
        allocations = byMember.size();
        log.accept("Relay handle " + handle + " for a member of network " + network.substring(0, 8) + " at "
                + from.getAddress().getHostAddress() + ":" + from.getPort() + (stream ? " (stream)" : ""));
        return a;
    }

    /**
     * A REFRESH or RELEASE: acted on only from the allocation's address and with the proof of its
     * secret. A REFRESH that is not gets the cookie back (the relay may have restarted: the member
     * allocates again), in fewer bytes than came.
     */
    private void proven(RelayMessage m, InetSocketAddress from, boolean stream) throws IOException {
        Allocation a = byHandle[m.handle()];
        boolean proven = a != null && a.member.equals(from) && a.stream == stream && m.proves(a.secret);
        if (!proven) {
            dropped++;
            if (m.op() == RelayMessage.OP_REFRESH) {
                reply(RelayMessage.cookie(cookies.make(from)), from, stream);
            }
        } else if (m.op() == RelayMessage.OP_REFRESH) {
            a.refreshed = nanos.getAsLong();
            allocated(a);
        } else {
            release(a);
        }
    }

    private void allocated(Allocation a) throws IOException {
        reply(RelayMessage.allocated(HexFormat.of().parseHex(a.network), a.key, a.handle, LIFETIME_SECONDS, a.secret),
                a.member, a.stream);
    }

    private void reply(RelayMessage m, InetSocketAddress to, boolean stream) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(out);
        m.encode(b);
        send(out, b.position(), to, stream);
    }

    /**
     * A SEND: the datagram goes to the member with the handle it names, as a FROM naming the
     * sender's, over UDP or down its stream: this is where the relay bridges the two. The envelope
     * is rewritten where it is (a FROM's is a SEND's, but for the operation and the handle), and the
     * datagram forwarded: runs of datagrams from one member to another leave the relay together.
     * Allocates nothing.
     */
    private void relay(ByteBuffer b, InetSocketAddress from, boolean stream) throws IOException {
        Allocation sender = at(from, stream);
        Allocation target = byHandle[RelayMessage.handle(b)];
        int n = b.remaining() - RelayMessage.ENVELOPE;
        if (sender == null || target == null || sender == target || !sender.network.equals(target.network) || n <= 0) {
            dropped++;
            return;
        }
        long now = nanos.getAsLong();
        if (!sender.rate.allows(n, now) || total != null && !total.allows(n, now)) {
            dropped++; // over the sender's rate, or over the relay's
            return;
        }
        sender.rate.take(n);
        if (total != null) {
            total.take(n);
        }
        int p = b.position() + Header.SIZE; // the header stays: both are relay messages of this version
        b.put(p, (byte) RelayMessage.OP_FROM).putShort(p + 1, (short) sender.handle);
        forward(b, target.member, target.stream);
        relayedBytes += n;
    }

    /**
     * Tells each bootstrap server this relay is here (from its own port: the server hands out what
     * it sees), and where it takes streams, with its certificate's SHA-256.
     */
    private void announce() {
        InetSocketAddress streams = streamAddress();
        DhtMessage.Proxy proxy = streams == null ? new DhtMessage.Proxy(new byte[DhtMessage.NETWORK_ID], address().getPort())
                : new DhtMessage.Proxy(new byte[DhtMessage.NETWORK_ID], address().getPort(), publicStreamPort(), certificate());
        for (InetSocketAddress dht : bootstrap) {
            ByteBuffer b = ByteBuffer.allocate(128);
            DhtMessage.encode(proxy, b);
            try {
                send(b.array(), b.position(), dht);
            } catch (IOException e) {
                log.accept("Relay server: cannot announce itself to " + dht + ": " + e.getMessage());
            }
        }
    }

    private void sweep(long now) {
        for (var it = byMember.values().iterator(); it.hasNext();) {
            Allocation a = it.next();
            if (now - a.refreshed > LIFETIME_SECONDS * 1_000_000_000L) {
                it.remove();
                forget(a);
            }
        }
    }

    private void release(Allocation a) {
        if (byMember.remove(a.member, a)) {
            forget(a);
        }
    }

    /** Removes what else refers to {@code a}, no longer held by its member's address. */
    private void forget(Allocation a) {
        if (byHandle[a.handle] == a) {
            byHandle[a.handle] = null;
        }
        perPrefix.computeIfPresent(a.prefix, (k, n) -> n > 1 ? n - 1 : null);
        allocations = byMember.size();
    }
}
