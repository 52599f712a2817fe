package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * The relay ("proxy") server (docs/protocol.md §8). A member that cannot reach a peer directly
 * asks, from its instance socket, for an <em>allocation</em>: a handle at the relay that stands for
 * it. Members then send datagrams for a handle to the relay's one port (SEND), and the relay passes
 * each to the member with that handle (FROM, naming the sender's handle), from the same port: a
 * member only ever talks to one address of the relay, which is what a NAT that maps every
 * destination anew (symmetric) lets through. The relay sees only ciphertext; it relays only between
 * members of one network that both hold an allocation, at most {@code bytesPerSecond} from each,
 * and forgets an allocation not refreshed for {@link #LIFETIME_SECONDS} s.
 *
 * <p>One thread ({@code p2p-proxy-server}, see {@link DatagramServer}); {@link #close} stops it.
 * Without a socket ({@link #fed}) it has no thread: the caller feeds it and calls {@link #tick}.
 */
public final class RelayServer extends DatagramServer {

    public static final int LIFETIME_SECONDS = 30;
    public static final int MAX_ALLOCATIONS = 4096;
    private static final int DATAGRAM = 65_535;

    private static final class Allocation {
        final String network;
        final byte[] key;
        final InetSocketAddress member;
        final int handle;
        long refreshed;
        double tokens;
        long refill;

        Allocation(String network, byte[] key, InetSocketAddress member, int handle) {
            this.network = network;
            this.key = key;
            this.member = member;
            this.handle = handle;
        }
    }

    private final long bytesPerSecond;
    private final List<InetSocketAddress> bootstrap;
    // owned by the thread
    private final Map<InetSocketAddress, Allocation> byMember = new HashMap<>();
    private final Map<Integer, Allocation> byHandle = new HashMap<>();
    private final byte[] out = new byte[DATAGRAM];
    /** Handles are random, so that no one can guess another member's from its own (the threat review's H6). */
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private long lastAnnounce = Long.MIN_VALUE / 2;
    private volatile long relayedBytes;
    private volatile long dropped;
    private volatile int allocations;

    private RelayServer(InetSocketAddress listen, long bytesPerSecond, LongSupplier nanos, Consumer<String> log,
            List<InetSocketAddress> bootstrap) throws IOException {
        super(listen, DATAGRAM, "p2p-proxy-server", nanos, log);
        this.bytesPerSecond = bytesPerSecond;
        this.bootstrap = List.copyOf(bootstrap);
    }

    /** Binds {@code listen} and serves until closed, relaying at most {@code bytesPerSecond} from each member. */
    public static RelayServer start(InetSocketAddress listen, long bytesPerSecond, LongSupplier nanos, Consumer<String> log)
            throws IOException {
        return start(listen, bytesPerSecond, nanos, log, List.of());
    }

    /**
     * As {@link #start(InetSocketAddress, long, LongSupplier, Consumer)}, announcing itself to the
     * bootstrap servers {@code bootstrap} every 8 s (they hand it to members).
     */
    public static RelayServer start(InetSocketAddress listen, long bytesPerSecond, LongSupplier nanos, Consumer<String> log,
            List<InetSocketAddress> bootstrap) throws IOException {
        RelayServer server = new RelayServer(listen, bytesPerSecond, nanos, log, bootstrap);
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
        RelayServer server = new RelayServer(address, outlet, bytesPerSecond, nanos, log, bootstrap);
        server.serve("Relay server");
        return server;
    }

    private RelayServer(InetSocketAddress address, Outlet outlet, long bytesPerSecond, LongSupplier nanos,
            Consumer<String> log, List<InetSocketAddress> bootstrap) {
        super(address, outlet, "p2p-proxy-server", nanos, log);
        this.bytesPerSecond = bytesPerSecond;
        this.bootstrap = List.copyOf(bootstrap);
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

    /** Datagrams dropped: from nobody allowed, to nobody there, over a member's rate, or malformed. */
    public long dropped() {
        return dropped;
    }

    public int allocations() {
        return allocations;
    }

    @Override
    void received(ByteBuffer datagram, InetSocketAddress from) throws IOException {
        handle(datagram, from);
    }

    @Override
    void everySecond(long now) {
        sweep(now);
        if (now - lastAnnounce > 8_000_000_000L) {
            lastAnnounce = now;
            announce();
        }
    }

    private void handle(ByteBuffer b, InetSocketAddress from) throws IOException {
        int op = RelayMessage.op(b);
        if (op == RelayMessage.OP_SEND) {
            relay(b, from);
        } else if (op == RelayMessage.OP_ALLOCATE) {
            allocate(RelayMessage.decode(b), from);
        } else {
            dropped++;
        }
    }

    private void allocate(RelayMessage m, InetSocketAddress from) throws IOException {
        if (m == null) {
            dropped++;
            return;
        }
        String network = HexFormat.of().formatHex(m.networkId());
        Allocation a = byMember.get(from);
        if (a != null && (!a.network.equals(network) || !Arrays.equals(a.key, m.staticKey()))) {
            release(a); // the address now speaks for another member
            a = null;
        }
        if (a == null) {
            if (byMember.size() >= MAX_ALLOCATIONS) {
                dropped++;
                return;
            }
            int handle;
            do {
                handle = 1 + random.nextInt(65_535); // 1 to 65535; the table holds at most MAX_ALLOCATIONS of them
            } while (byHandle.containsKey(handle));
            a = new Allocation(network, m.staticKey(), from, handle);
            a.tokens = bytesPerSecond;
            a.refill = nanos.getAsLong();
            byMember.put(from, a);
            byHandle.put(a.handle, a);
            allocations = byMember.size();
            log.accept("Relay handle " + a.handle + " for a member of network " + network.substring(0, 8) + " at "
                    + from.getAddress().getHostAddress() + ":" + from.getPort());
        }
        a.refreshed = nanos.getAsLong();
        ByteBuffer reply = ByteBuffer.wrap(out);
        new RelayMessage(RelayMessage.OP_ALLOCATED, m.networkId(), m.staticKey(), a.handle, LIFETIME_SECONDS).encode(reply);
        send(out, reply.position(), from);
    }

    /** A SEND: the datagram goes to the member with the handle it names, as a FROM naming the sender's. */
    private void relay(ByteBuffer b, InetSocketAddress from) throws IOException {
        Allocation sender = byMember.get(from);
        Allocation target = byHandle.get(RelayMessage.handle(b));
        int n = b.remaining() - RelayMessage.ENVELOPE;
        if (sender == null || target == null || sender == target || !sender.network.equals(target.network) || n <= 0) {
            dropped++;
            return;
        }
        long now = nanos.getAsLong();
        sender.tokens = Math.min(bytesPerSecond, sender.tokens + (now - sender.refill) / 1e9 * bytesPerSecond);
        sender.refill = now;
        if (sender.tokens < n) {
            dropped++;
            return;
        }
        sender.tokens -= n;
        ByteBuffer o = ByteBuffer.wrap(out);
        RelayMessage.envelope(o, RelayMessage.OP_FROM, sender.handle);
        o.put(b.array(), b.arrayOffset() + b.position() + RelayMessage.ENVELOPE, n);
        send(out, o.position(), target.member);
        relayedBytes += n;
    }

    /** Tells each bootstrap server this relay is here (from its own port: the server hands out what it sees). */
    private void announce() {
        for (InetSocketAddress dht : bootstrap) {
            ByteBuffer b = ByteBuffer.allocate(64);
            DhtMessage.encode(new DhtMessage.Proxy(new byte[DhtMessage.NETWORK_ID], address().getPort()), b);
            try {
                send(b.array(), b.position(), dht);
            } catch (IOException e) {
                log.accept("Relay server: cannot announce itself to " + dht + ": " + e.getMessage());
            }
        }
    }

    private void sweep(long now) {
        for (Allocation a : new ArrayList<>(byMember.values())) {
            if (now - a.refreshed > LIFETIME_SECONDS * 1_000_000_000L) {
                release(a);
            }
        }
    }

    private void release(Allocation a) {
        byMember.remove(a.member, a);
        byHandle.remove(a.handle, a);
        allocations = byMember.size();
    }
}
