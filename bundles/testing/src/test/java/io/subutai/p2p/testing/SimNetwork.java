package io.subutai.p2p.core.internal;

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
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;

/**
 * An in-memory datagram network for simulations: sockets at made-up addresses, one delivery
 * thread, and impairments set per network: loss, duplication, reordering and delay. A tap sees
 * every datagram in flight and may drop or inject, as an attacker on the path could. Sockets may
 * sit behind {@link Nat NAT boxes} of each common behaviour, on private networks of their own.
 */
final class SimNetwork implements AutoCloseable {

    /** What the network does to datagrams. */
    record Impairment(double loss, double duplicate, double reorder, long delayMicros) {
        static final Impairment NONE = new Impairment(0, 0, 0, 0);
    }

    private final class Flight implements Delayed {
        final InetSocketAddress from;
        final InetSocketAddress to;
        final byte[] bytes;
        final long due;
        final long seq;

        Flight(InetSocketAddress from, InetSocketAddress to, byte[] bytes, long due, long seq) {
            this.from = from;
            this.to = to;
            this.bytes = bytes;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Flight f = (Flight) o;
            int c = Long.compare(due, f.due);
            return c != 0 ? c : Long.compare(seq, f.seq);
        }
    }

    final class Socket implements DatagramPort {
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
            byte[] b = new byte[datagram.remaining()];
            datagram.duplicate().get(b);
            submit(address, to, b);
        }

        @Override
        public AutoCloseable register(int type, DatagramHandler handler) {
            handlers.put(type, handler);
            return () -> handlers.remove(type, handler);
        }
    }

    /** How a NAT box maps and filters (RFC 4787 terms), or a firewall that blocks UDP. */
    enum NatKind {
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
    final class Nat {
        final int id;
        final InetAddress publicAddress;
        volatile NatKind kind;
        final Set<InetSocketAddress> servers = ConcurrentHashMap.newKeySet();
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
    Nat nat(int id, NatKind kind) {
        Nat n = new Nat(id, kind);
        nats.put(n.publicAddress, n);
        return n;
    }

    /** A socket on the private network behind {@code nat}: 10.(100+id).0.host, port 7000 + host. */
    Socket behind(Nat nat, int host) {
        Socket s = new Socket(new InetSocketAddress(address(10, 100 + nat.id, 0, host), 7000 + host));
        s.nat = nat;
        sockets.put(s.address, s);
        return s;
    }

    /** A socket on the public network: 198.51.100.host, port {@code port}. */
    Socket publicSocket(int host, int port) {
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
    private final DelayQueue<Flight> queue = new DelayQueue<>();
    private final Random random = new Random(42);
    private final AtomicLong seq = new AtomicLong();
    private final List<Predicate<byte[]>> taps = new CopyOnWriteArrayList<>();
    private final Thread delivery;
    private volatile Impairment impairment = Impairment.NONE;
    private volatile boolean closed;
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong lost = new AtomicLong();

    SimNetwork() {
        delivery = new Thread(this::deliver, "p2pt-sim-network");
        delivery.setDaemon(true);
        delivery.start();
    }

    Socket socket(int host) {
        try {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 99, 0, (byte) host}), 7000 + host);
            Socket s = new Socket(a);
            sockets.put(a, s);
            return s;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    void remove(Socket s) {
        sockets.remove(s.address, s);
    }

    void impair(Impairment i) {
        impairment = i;
    }

    /** Sees each datagram sent; returning false drops it. */
    void tap(Predicate<byte[]> t) {
        taps.add(t);
    }

    /** Sends a datagram as if from {@code from}: for forged and replayed packets. */
    void inject(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        queue.add(new Flight(from, to, bytes.clone(), System.nanoTime(), seq.incrementAndGet()));
    }

    /** Another address of a socket, reached with extra delay (another path to the same host). */
    record Alias(Socket target, long delayMicros) {
    }

    private final Map<InetSocketAddress, Alias> aliases = new ConcurrentHashMap<>();
    private final java.util.Set<InetSocketAddress> blocked = ConcurrentHashMap.newKeySet();

    /** Makes {@code alias} a second address of {@code s}, {@code delayMicros} slower than its own. */
    void alias(Socket s, InetSocketAddress alias, long delayMicros) {
        aliases.put(alias, new Alias(s, delayMicros));
    }

    /** Drops everything sent to {@code to} (a path that died), or lets it through again. */
    void block(InetSocketAddress to, boolean block) {
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
                queue.add(new Flight(from, to, bytes, System.nanoTime() + delay, seq.incrementAndGet()));
            }
        }
    }

    private void deliver() {
        while (!closed) {
            Flight f;
            try {
                f = queue.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (f == null) {
                continue;
            }
            Alias alias = aliases.get(f.to);
            Socket s = alias != null ? alias.target() : sockets.get(f.to);
            if (s == null || f.bytes.length < 2) {
                continue;
            }
            DatagramHandler h = s.handlers.get((int) f.bytes[1]);
            if (h != null) {
                delivered.incrementAndGet();
                h.received(f.from, ByteBuffer.wrap(f.bytes).asReadOnlyBuffer());
            }
        }
    }

    List<Socket> sockets() {
        return new ArrayList<>(sockets.values());
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        delivery.join(2000);
    }
}
