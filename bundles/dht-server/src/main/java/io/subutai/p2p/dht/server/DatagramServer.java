package io.subutai.p2p.dht.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What the bootstrap and relay servers share: one UDP socket served by one named thread, which
 * hands every datagram to {@link #received} and, about once a second of the given clock, calls
 * {@link #everySecond} (to forget what went silent); {@link #close} stops the thread and frees
 * the port.
 */
public abstract class DatagramServer implements AutoCloseable {

    /** Where a server that owns no socket sends (a simulated network). */
    @FunctionalInterface
    public interface Outlet {
        void send(byte[] data, int length, InetSocketAddress to) throws IOException;
    }

    private final DatagramSocket socket; // null: fed by deliver, sending by the outlet
    private final Outlet outlet;
    private final InetSocketAddress address;
    private final Thread thread;
    private final byte[] in;
    /** The clock of the server's soft state, in nanoseconds. */
    protected final LongSupplier nanos;
    /** Where the server reports. */
    protected final Consumer<String> log;
    private volatile boolean closed;

    /**
     * Binds {@code listen}; {@link #serve} starts the thread.
     *
     * @param largest the largest datagram it takes
     */
    protected DatagramServer(InetSocketAddress listen, int largest, String threadName, LongSupplier nanos,
            Consumer<String> log) throws IOException {
        DatagramSocket s = new DatagramSocket(null);
        try {
            s.setReceiveBufferSize(4 << 20);
            s.setSendBufferSize(4 << 20);
            s.bind(listen);
            s.setSoTimeout(500);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        this.socket = s;
        this.outlet = (data, length, to) -> s.send(new DatagramPacket(data, length, to));
        this.address = (InetSocketAddress) s.getLocalSocketAddress();
        this.in = new byte[largest];
        this.nanos = nanos;
        this.log = log;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /**
     * A server that owns no socket: datagrams come by {@link #deliver}, answers leave by {@code
     * outlet} as from {@code address}; its thread only keeps the once-a-second clock. For
     * simulations.
     */
    protected DatagramServer(InetSocketAddress address, Outlet outlet, String threadName, LongSupplier nanos,
            Consumer<String> log) {
        this.socket = null;
        this.outlet = outlet;
        this.address = address;
        this.in = new byte[0];
        this.nanos = nanos;
        this.log = log;
        this.thread = new Thread(this::tickOnly, threadName);
        this.thread.setDaemon(true);
    }

    /** A datagram for a server without a socket (see the outlet constructor), handled on the caller's thread. */
    public final void deliver(ByteBuffer datagram, InetSocketAddress from) {
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                ByteBuffer own = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
                received(own, from); // a server may rewrite what it got, as it does in its socket's buffer
            } catch (IOException | RuntimeException e) {
                log.accept(thread.getName() + ": " + e);
            }
        }
    }

    private void tickOnly() {
        long last = nanos.getAsLong();
        synchronized (this) {
            while (!closed) {
                try {
                    wait(250);
                } catch (InterruptedException e) {
                    return;
                }
                long now = nanos.getAsLong();
                if (!closed && now - last > 1_000_000_000L) {
                    last = now;
                    everySecond(now);
                }
            }
        }
    }

    /** Starts serving, and says where. */
    protected final void serve(String what) {
        thread.start();
        log.accept(what + " listening on " + address);
    }

    public final InetSocketAddress address() {
        return address;
    }

    /** A datagram from {@code from}, valid during the call. */
    protected abstract void received(ByteBuffer datagram, InetSocketAddress from) throws IOException;

    /** Called about once a second, with the clock's time. */
    protected abstract void everySecond(long now);

    /** Sends {@code length} bytes of {@code data} to {@code to} from the server's port. */
    protected final void send(byte[] data, int length, InetSocketAddress to) throws IOException {
        outlet.send(data, length, to);
    }

    private void run() {
        DatagramPacket packet = new DatagramPacket(in, in.length);
        long last = nanos.getAsLong();
        while (!closed) {
            try {
                packet.setLength(in.length);
                socket.receive(packet);
                received(ByteBuffer.wrap(in, 0, packet.getLength()), (InetSocketAddress) packet.getSocketAddress());
            } catch (SocketTimeoutException e) {
                // time to look at the clock
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                log.accept(thread.getName() + ": " + e);
            }
            long now = nanos.getAsLong();
            if (now - last > 1_000_000_000L) {
                last = now;
                everySecond(now);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        if (socket != null) {
            socket.close();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
