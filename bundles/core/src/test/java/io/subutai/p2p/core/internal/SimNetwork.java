package io.subutai.p2p.core.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
 * every datagram in flight and may drop or inject, as an attacker on the path could.
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
