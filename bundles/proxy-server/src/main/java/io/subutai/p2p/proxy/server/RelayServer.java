package io.subutai.p2p.proxy.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.subutai.p2p.proxy.protocol.RelayMessage;

/**
 * The relay ("proxy") server (docs/protocol.md §8). A member that cannot reach a peer directly
 * asks, from its instance socket, for an <em>allocation</em>: a UDP port of the relay that stands
 * for it. What another member of the same network sends to that port, the relay sends on to the
 * member from the sender's own allocated port, so each side sees the other at "relay:port" and
 * answers there: to the mesh a relayed path is one more address. The relay sees only ciphertext;
 * it relays only between members of one network that both hold an allocation, at most {@link
 * #bytesPerSecond} from each, and forgets an allocation not refreshed for {@link #LIFETIME_SECONDS} s.
 *
 * <p>One thread ({@code p2p-proxy-server}) serves every socket; {@link #close} stops it.
 */
public final class RelayServer implements AutoCloseable {

    public static final int LIFETIME_SECONDS = 30;
    public static final int MAX_ALLOCATIONS = 4096;

    private static final class Allocation {
        final String network;
        final byte[] key;
        final InetSocketAddress member;
        final DatagramChannel channel;
        final int port;
        long refreshed;
        double tokens;
        long refill;

        Allocation(String network, byte[] key, InetSocketAddress member, DatagramChannel channel, int port) {
            this.network = network;
            this.key = key;
            this.member = member;
            this.channel = channel;
            this.port = port;
        }
    }

    private final Selector selector;
    private final DatagramChannel control;
    private final InetSocketAddress address;
    private final long bytesPerSecond;
    private final LongSupplier nanos;
    private final Consumer<String> log;
    private final Thread thread;
    private final Map<InetSocketAddress, Allocation> byMember = new HashMap<>(); // owned by the thread
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
    private final ByteBuffer reply = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
    private volatile boolean closed;
    private volatile long relayedBytes;
    private volatile long dropped;
    private volatile int allocations;

    private RelayServer(Selector selector, DatagramChannel control, long bytesPerSecond, LongSupplier nanos,
            Consumer<String> log) throws IOException {
        this.selector = selector;
        this.control = control;
        this.address = (InetSocketAddress) control.getLocalAddress();
        this.bytesPerSecond = bytesPerSecond;
        this.nanos = nanos;
        this.log = log;
        this.thread = new Thread(this::run, "p2p-proxy-server");
        this.thread.setDaemon(true);
    }

    /**
     * Binds {@code listen} (the control port; allocations get ports of the same address) and serves
     * until closed, relaying at most {@code bytesPerSecond} from each member.
     */
    public static RelayServer start(InetSocketAddress listen, long bytesPerSecond, LongSupplier nanos, Consumer<String> log)
            throws IOException {
        Selector selector = Selector.open();
        DatagramChannel control = DatagramChannel.open(StandardProtocolFamily.INET6);
        try {
            control.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            control.bind(listen);
            control.configureBlocking(false);
            control.register(selector, SelectionKey.OP_READ, null);
        } catch (IOException | RuntimeException e) {
            control.close();
            selector.close();
            throw e;
        }
        RelayServer server = new RelayServer(selector, control, bytesPerSecond, nanos, log);
        server.thread.start();
        log.accept("Relay server listening on " + server.address);
        return server;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Bytes relayed so far. */
    public long relayedBytes() {
        return relayedBytes;
    }

    /** Datagrams dropped: from nobody allowed, to nobody there, or over a member's rate. */
    public long dropped() {
        return dropped;
    }

    public int allocations() {
        return allocations;
    }

    private void run() {
        long lastSweep = nanos.getAsLong();
        while (!closed) {
            try {
                selector.select(500);
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext();) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isValid() && k.isReadable()) {
                        readAll((DatagramChannel) k.channel(), (Allocation) k.attachment());
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                log.accept("Relay server: " + e);
            }
            long now = nanos.getAsLong();
            if (now - lastSweep > 1_000_000_000L) {
                lastSweep = now;
                sweep(now);
            }
        }
    }

    private void readAll(DatagramChannel channel, Allocation target) throws IOException {
        for (int i = 0; i < 64; i++) {
            buffer.clear();
            InetSocketAddress from = (InetSocketAddress) channel.receive(buffer);
            if (from == null) {
                return;
            }
            buffer.flip();
            from = plain(from);
            if (target == null) {
                control(from);
            } else {
                relay(target, from);
            }
        }
    }

    /** IPv4 senders arrive as IPv4-mapped IPv6 on the dual-stack sockets; members are known by their plain address. */
    private static InetSocketAddress plain(InetSocketAddress a) {
        byte[] raw = a.getAddress().getAddress();
        if (raw.length == 16 && Arrays.equals(Arrays.copyOf(raw, 12), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1})) {
            try {
                return new InetSocketAddress(java.net.InetAddress.getByAddress(Arrays.copyOfRange(raw, 12, 16)), a.getPort());
            } catch (java.net.UnknownHostException e) {
                return a;
            }
        }
        return a;
    }

    private void control(InetSocketAddress from) throws IOException {
        RelayMessage m = RelayMessage.decode(buffer);
        if (m == null || m.op() != RelayMessage.OP_ALLOCATE) {
            dropped++;
            return;
        }
        String network = java.util.HexFormat.of().formatHex(m.networkId());
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
            DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.bind(new InetSocketAddress(address.getAddress(), 0));
            ch.configureBlocking(false);
            a = new Allocation(network, m.staticKey(), from, ch, ((InetSocketAddress) ch.getLocalAddress()).getPort());
            a.tokens = bytesPerSecond;
            a.refill = nanos.getAsLong();
            ch.register(selector, SelectionKey.OP_READ, a);
            byMember.put(from, a);
            allocations = byMember.size();
            log.accept("Relay port " + a.port + " for a member of network " + network.substring(0, 8) + " at "
                    + from.getAddress().getHostAddress() + ":" + from.getPort());
        }
        a.refreshed = nanos.getAsLong();
        reply.clear();
        new RelayMessage(RelayMessage.OP_ALLOCATED, m.networkId(), m.staticKey(), a.port, LIFETIME_SECONDS).encode(reply);
        control.send(reply.flip(), from);
    }

    /** A datagram for {@code target} from {@code from}: sent on from the sender's own port, if it may be. */
    private void relay(Allocation target, InetSocketAddress from) throws IOException {
        Allocation sender = byMember.get(from);
        int n = buffer.remaining();
        if (sender == null || sender == target || !sender.network.equals(target.network)) {
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
        if (sender.channel.send(buffer, target.member) > 0) {
            relayedBytes += n;
        } else {
            dropped++;
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
        allocations = byMember.size();
        try {
            a.channel.close();
        } catch (IOException e) {
            // gone either way
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Allocation a : new ArrayList<>(byMember.values())) {
            release(a);
        }
        try {
            control.close();
            selector.close();
        } catch (IOException e) {
            // closing
        }
    }
}
