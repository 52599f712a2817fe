package io.subutai.p2p.testing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;

/**
 * An in-memory datagram network for simulations, on a {@link VirtualClock}: sockets at made-up
 * addresses, datagrams delivered when the clock reaches their time, and impairments set per
 * network: loss, duplication, reordering and delay. A tap sees every datagram in flight and may
 * drop or inject, as an attacker on the path could. Sockets may sit behind {@link Nat NAT boxes}
 * of each common behaviour, on private networks of their own.
 */
public final class SimNetwork implements AutoCloseable {

    /** What the network does to datagrams. */
    public record Impairment(double loss, double duplicate, double reorder, long delayMicros) {
        public static final Impairment NONE = new Impairment(0, 0, 0, 0);
    }

    /** A socket on the simulated network. */
    public final class Socket implements DatagramPort {
        final InetSocketAddress address;
        /** The NAT in front of it; null for a socket on the public network. */
        volatile Nat nat;
        final Map<Integer, DatagramHandler> handlers = new ConcurrentHashMap<>();

        Socket(InetSocketAddress address) {
            this.address = address;
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void send(InetSocketAddress to, ByteBuffer datagram) {
            int mtu = pathMtu;
            if (mtu > 0 && datagram.remaining() + 28 > mtu) {
                fragmented.incrementAndGet();
            }
            byte[] b = new byte[datagram.remaining()];
            datagram.duplicate().get(b);
            submit(address, to, b);
        }

        /** A datagram the path's MTU ({@link #pathMtu(int)}) does not carry whole is dropped, as a router drops one with DF. */
        @Override
        public boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
            int mtu = pathMtu;
            if (mtu > 0 && datagram.remaining() + 28 > mtu) {
                tooBig.incrementAndGet();
                return true;
            }
            send(to, datagram);
            return true;
        }

        @Override
        public AutoCloseable register(int type, DatagramHandler handler) {
            handlers.put(type, handler);
            return () -> handlers.remove(type, handler);
        }
    }

    /**
     * Every path's MTU from now on, somewhere past the first hop (so no socket knows it): a
     * datagram sent plainly and longer than it less the IPv4 and UDP headers (28) arrives, counted
     * in {@link #fragmented}, as a router fragments it; one sent unfragmented is dropped, counted in
     * {@link #tooBig}. 0: no limit.
     */
    public void pathMtu(int mtu) {
        pathMtu = mtu;
    }

    /** How a NAT box maps and filters (RFC 4787 terms), or a firewall that blocks UDP. */
    public enum NatKind {
        /** One mapping per inside socket, the port kept; anyone may send to it. */
        FULL_CONE,
        /** One mapping per inside socket; only addresses it sent to may send to it. */
        ADDRESS_RESTRICTED,
        /** One mapping per inside socket; only address and port pairs it sent to may send to it. */
        PORT_RESTRICTED,
        /** A new mapping for every destination, on the next port; filtered as port-restricted. */
        SYMMETRIC_SEQUENTIAL,
        /** A new mapping for every destination, on a random port; filtered as port-restricted. */
        SYMMETRIC_RANDOM,
        /** A firewall that lets UDP out only to the servers it was told (bootstrap, relays); port-restricted. */
        UDP_BLOCKED
    }

    /**
     * A NAT box: the sockets behind it are on the private network 10.(100+id).0.0/24 and reach
     * the others as its public address 203.0.113.id, with the ports its {@link NatKind} gives.
     * No hairpinning; mappings never expire. Its kind may change while it runs (a block lifted).
     */
    public final class Nat {
        final int id;
        public final InetAddress publicAddress;
        /** How it behaves now; a test may change it (a block lifted). */
        public volatile NatKind kind;
        /** The servers a {@link NatKind#UDP_BLOCKED} firewall lets UDP through to. */
        public final Set<InetSocketAddress> servers = ConcurrentHashMap.newKeySet();
        // guarded by this
        private final Map<List<Object>, Integer> out = new HashMap<>();
        private final Map<Integer, Mapping> in = new HashMap<>();
        private int next;
        private final Random ports;

        Nat(int id, NatKind kind) {
            this.id = id;
            this.kind = kind;
            this.publicAddress = address(203, 0, 113, id);
            this.next = 20_000 + 100 * id;
            this.ports = new Random(id);
        }

        boolean inside(InetAddress a) {
            byte[] b = a.getAddress();
            return b.length == 4 && b[0] == 10 && (b[1] & 255) == 100 + id && b[2] == 0;
        }

        /** Maps a datagram going out; null when the box drops it. */
        synchronized InetSocketAddress outbound(InetSocketAddress from, InetSocketAddress to) {
            NatKind k = kind;
            if (k == NatKind.UDP_BLOCKED && !servers.contains(to)) {
                return null;
            }
            boolean perDestination = k == NatKind.SYMMETRIC_SEQUENTIAL || k == NatKind.SYMMETRIC_RANDOM;
            List<Object> key = perDestination ? List.of(from, to) : List.of(from);
            Integer port = out.get(key);
            if (port == null) {
                if (k == NatKind.SYMMETRIC_RANDOM) {
                    do {
                        port = 1024 + ports.nextInt(64_000);
                    } while (in.containsKey(port));
                } else if (k == NatKind.SYMMETRIC_SEQUENTIAL) {
                    port = next++;
                } else {
                    port = in.containsKey(from.getPort()) ? next++ : from.getPort();
                }
                out.put(key, port);
                in.put(port, new Mapping(from, ConcurrentHashMap.newKeySet()));
            }
            in.get(port).sentTo().add(to);
            return new InetSocketAddress(publicAddress, port);
        }

        /** Where a datagram that came to the box's public port goes; null when it filters it. */
        synchronized InetSocketAddress inbound(InetSocketAddress from, int port) {
            Mapping m = in.get(port);
            if (m == null) {
                return null;
            }
            boolean allowed = switch (kind) {
                case FULL_CONE -> true;
                case ADDRESS_RESTRICTED -> m.sentTo().stream().anyMatch(t -> t.getAddress().equals(from.getAddress()));
                default -> m.sentTo().contains(from);
            };
            return allowed ? m.inside() : null;
        }
    }

    record Mapping(InetSocketAddress inside, Set<InetSocketAddress> sentTo) {
    }

    private final Map<InetAddress, Nat> nats = new ConcurrentHashMap<>();
    final AtomicLong filtered = new AtomicLong();

    /** A NAT box with public address 203.0.113.id. */
    public Nat nat(int id, NatKind kind) {
        Nat n = new Nat(id, kind);
        nats.put(n.publicAddress, n);
        return n;
    }

    /** A socket on the private network behind {@code nat}: 10.(100+id).0.host, port 7000 + host. */
    public Socket behind(Nat nat, int host) {
        Socket s = new Socket(new InetSocketAddress(address(10, 100 + nat.id, 0, host), 7000 + host));
        s.nat = nat;
        sockets.put(s.address, s);
        return s;
    }

    /** A socket on the public network: 198.51.100.host, port {@code port}. */
    public Socket publicSocket(int host, int port) {
        Socket s = new Socket(new InetSocketAddress(address(198, 51, 100, host), port));
        sockets.put(s.address, s);
        return s;
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Where a datagram really goes and as from where: through the sender's NAT, over the public
     * network, through the receiver's; null when a box drops it or nothing routes it.
     */
    private InetSocketAddress[] route(InetSocketAddress from, InetSocketAddress to) {
        Socket sender = sockets.get(from);
        Nat out = sender == null ? null : sender.nat;
        if (out != null) {
            if (out.inside(to.getAddress())) {
                return new InetSocketAddress[] {from, to}; // its own private network
            }
            from = out.outbound(from, to);
            if (from == null) {
                filtered.incrementAndGet();
                return null;
            }
        }
        Nat in = nats.get(to.getAddress());
        if (in != null) {
            to = in.inbound(from, to.getPort());
            if (to == null) {
                filtered.incrementAndGet();
                return null;
            }
        } else {
            Socket receiver = sockets.get(to);
            if (receiver != null && receiver.nat != null) {
                return null; // a private address of another network: not routed
            }
        }
        return new InetSocketAddress[] {from, to};
    }

    private final Map<InetSocketAddress, Socket> sockets = new ConcurrentHashMap<>();
    private final VirtualClock clock;
    private final Random random = new Random(42);
    private final List<Predicate<byte[]>> taps = new CopyOnWriteArrayList<>();
    private volatile Impairment impairment = Impairment.NONE;
    private volatile boolean closed;
    public final AtomicLong delivered = new AtomicLong();
    public final AtomicLong lost = new AtomicLong();
    /** Datagrams a router would have fragmented, and unfragmentable ones dropped (see {@link #pathMtu(int)}). */
    public final AtomicLong fragmented = new AtomicLong();
    public final AtomicLong tooBig = new AtomicLong();
    private volatile int pathMtu;

    public SimNetwork(VirtualClock clock) {
        this.clock = clock;
    }

    /** A socket on the LAN 10.99.0.0/24: 10.99.0.host, port 7000 + host. */
    public Socket socket(int host) {
        try {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 99, 0, (byte) host}), 7000 + host);
            Socket s = new Socket(a);
            sockets.put(a, s);
            return s;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public void remove(Socket s) {
        sockets.remove(s.address, s);
    }

    /** {@code s} as a socket provider's: closing it takes it off the network (its address is free again). */
    public io.subutai.p2p.spi.UdpSocket closeable(Socket s) {
        return new io.subutai.p2p.spi.UdpSocket() {
            @Override
            public InetSocketAddress localAddress() {
                return s.localAddress();
            }

            @Override
            public void send(InetSocketAddress to, ByteBuffer datagram) {
                s.send(to, datagram);
            }

            @Override
            public boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
                return s.sendUnfragmented(to, datagram);
            }

            @Override
            public AutoCloseable register(int type, DatagramHandler handler) {
                return s.register(type, handler);
            }

            @Override
            public void close() {
                remove(s);
            }
        };
    }

    public void impair(Impairment i) {
        impairment = i;
    }

    /** Sees each datagram sent; returning false drops it. */
    public void tap(Predicate<byte[]> t) {
        taps.add(t);
    }

    /** Sends a datagram as if from {@code from}: for forged and replayed packets. */
    public void inject(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        byte[] copy = bytes.clone();
        clock.schedule(() -> deliver(from, to, copy), 0);
    }

    /** Another address of a socket, reached with extra delay (another path to the same host). */
    record Alias(Socket target, long delayMicros) {
    }

    private final Map<InetSocketAddress, Alias> aliases = new ConcurrentHashMap<>();
    private final java.util.Set<InetSocketAddress> blocked = ConcurrentHashMap.newKeySet();

    /** Makes {@code alias} a second address of {@code s}, {@code delayMicros} slower than its own. */
    public void alias(Socket s, InetSocketAddress alias, long delayMicros) {
        aliases.put(alias, new Alias(s, delayMicros));
    }

    /** Drops everything sent to {@code to} (a path that died), or lets it through again. */
    public void block(InetSocketAddress to, boolean block) {
        if (block) {
            blocked.add(to);
        } else {
            blocked.remove(to);
        }
    }

    private void submit(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        for (Predicate<byte[]> t : taps) {
            if (!t.test(bytes)) {
                return;
            }
        }
        if (!nats.isEmpty()) {
            InetSocketAddress[] r = route(from, to);
            if (r == null) {
                return;
            }
            from = r[0];
            to = r[1];
        }
        if (blocked.contains(to)) {
            lost.incrementAndGet();
            return;
        }
        Alias alias = aliases.get(to);
        Impairment i = impairment;
        synchronized (random) {
            if (random.nextDouble() < i.loss()) {
                lost.incrementAndGet();
                return;
            }
            int copies = random.nextDouble() < i.duplicate() ? 2 : 1;
            for (int c = 0; c < copies; c++) {
                long delay = (i.delayMicros() + (alias == null ? 0 : alias.delayMicros())) * 1000;
                if (random.nextDouble() < i.reorder()) {
                    delay += 200_000 + random.nextInt(2_000_000); // held back 0.2 to 2.2 ms
                }
                InetSocketAddress f = from;
                InetSocketAddress t = to;
                clock.schedule(() -> deliver(f, t, bytes), delay);
            }
        }
    }

    /** A datagram arrives (the clock reached its time): to the handler of its type at its socket, if any. */
    private void deliver(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        if (closed) {
            return;
        }
        Alias alias = aliases.get(to);
        Socket s = alias != null ? alias.target() : sockets.get(to);
        if (s == null || bytes.length < 2) {
            return;
        }
        DatagramHandler h = s.handlers.get((int) bytes[1]);
        if (h != null) {
            delivered.incrementAndGet();
            h.received(from, ByteBuffer.wrap(bytes).asReadOnlyBuffer());
        }
    }

    List<Socket> sockets() {
        return new ArrayList<>(sockets.values());
    }

    /** Nothing is delivered any more. */
    @Override
    public void close() {
        closed = true;
    }
}
