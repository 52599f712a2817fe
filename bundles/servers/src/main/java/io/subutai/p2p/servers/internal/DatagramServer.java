package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What the bootstrap and relay servers share: one UDP socket served by one named thread (a {@link
 * UdpPort}), which hands every datagram to {@link #received} and, once a second of the given
 * clock, calls {@link #everySecond} (to forget what went silent); {@link #close} stops the thread
 * and frees the port. A server that moves bulk (the relay) asks for a port that batches ({@link
 * BatchUdpPort}) and passes datagrams on with {@link #forward}, which lets the port send a run of
 * them at once.
 * A server without a socket (for simulations) has no thread at all: it is fed by {@link #deliver}
 * and driven by {@link #tick}.
 *
 * <p>With {@link StreamOptions} it also takes streams on TCP (docs/protocol.md §10): a datagram
 * from a stream is handled exactly as one over UDP from the stream's remote address, flagged as
 * come over a stream, and what the server sends to that address with the flag goes down the
 * stream. While a stream is there, a UDP datagram from its remote address is dropped (counted):
 * an address is a stream's or a UDP source's, never both.
 *
 * <p>Sealed to the two servers of this package: a base class shared inside one bundle, never
 * exported. {@link #received}, {@link #streamClosed} and {@link #everySecond} run holding the
 * server's monitor, so a server's state is touched by one thread at a time whoever calls.
 */
public abstract sealed class DatagramServer implements AutoCloseable permits BootstrapServer, RelayServer {

    /** Where a server that owns no socket sends (a simulated network). */
    @FunctionalInterface
    public interface Outlet {
        void send(byte[] data, int length, InetSocketAddress to) throws IOException;
    }

    private static final long SECOND = 1_000_000_000L;

    // immutable
    private final UdpPort port; // null: fed by deliver, driven by tick, sending by the outlet
    private final Outlet outlet; // null with a port
    private final InetSocketAddress address;
    private final String name;
    private final StreamOptions streamOptions; // null: no streams
    /** The clock of the server's soft state, in nanoseconds. */
    final LongSupplier nanos;
    /** Where the server reports. */
    final Consumer<String> log;

    // guarded by this
    private long lastSecond;
    private ByteBuffer streamIn; // a stream's datagram, the server's to rewrite as it does its socket's
    private byte[] copy; // a forwarded datagram, for a stream or the outlet
    private volatile boolean closed; // written holding this
    /** Set by {@link #serve} before any datagram; null without streams. */
    private volatile StreamListener streams;
    private volatile long shadowed;

    /**
     * Binds {@code listen}; {@link #serve} starts the thread, named {@code name}.
     *
     * @param largest the largest datagram it takes
     * @param streams  its stream port (bound by {@link #serve}), or null
     * @param io       how its UDP port moves datagrams
     */
    DatagramServer(InetSocketAddress listen, int largest, String name, LongSupplier nanos, Consumer<String> log,
            StreamOptions streams, Io io) throws IOException {
        UdpPort.Receiver receiver = new Arrivals();
        this.port = io != Io.PLAIN && BatchUdpPort.available()
                ? new BatchUdpPort(listen, name, receiver, io == Io.BATCH_OFFLOAD)
                : new PlainUdpPort(listen, largest, name, receiver);
        this.outlet = null;
        this.address = port.address();
        this.name = name;
        this.streamOptions = streams;
        this.nanos = nanos;
        this.log = log;
        this.lastSecond = nanos.getAsLong();
    }

    /** How a server's UDP port moves datagrams. */
    enum Io {
        /** A datagram per system call (the JDK's socket). */
        PLAIN,
        /** Many per call ({@code recvmmsg}, {@code sendmmsg}) where Netty's epoll transport is there, else {@link #PLAIN}. */
        BATCH,
        /** As {@link #BATCH}, and runs of datagrams as one where the kernel takes UDP GRO and GSO. */
        BATCH_OFFLOAD
    }

    /**
     * A server that owns no socket and no thread: datagrams come by {@link #deliver}, answers leave
     * by {@code outlet} as from {@code address}, and time passes when the caller says so by {@link
     * #tick}. For simulations.
     */
    DatagramServer(InetSocketAddress address, Outlet outlet, String name, LongSupplier nanos, Consumer<String> log) {
        this.port = null;
        this.outlet = outlet;
        this.address = address;
        this.name = name;
        this.streamOptions = null;
        this.nanos = nanos;
        this.log = log;
        this.lastSecond = nanos.getAsLong();
    }

    /**
     * A listen address as servers are given one: {@code ADDR:PORT}, {@code [IPv6]:PORT} or {@code
     * :PORT} (every address); null when the text is none of them.
     */
    public static InetSocketAddress listenAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65535) {
            return null;
        }
        String host = text.substring(0, colon);
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        return a.isUnresolved() ? null : a;
    }

    /** {@link #listenAddress} of a component's {@code listen}; an exception that says what is wrong when it is none. */
    static InetSocketAddress configuredListen(String listen) throws IOException {
        InetSocketAddress address = listenAddress(listen);
        if (address == null) {
            throw new IOException("listen=" + listen + " is not ADDR:PORT, [IPv6]:PORT or :PORT");
        }
        return address;
    }

    /** A datagram for a server without a socket (see the outlet constructor), handled on the caller's thread. */
    public final void deliver(ByteBuffer datagram, InetSocketAddress from) {
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                ByteBuffer own = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
                received(own, from, false); // a server may rewrite what it got, as it does in its socket's buffer
            } catch (IOException | RuntimeException | Error e) {
                survived(e);
            }
        }
    }

    /**
     * Calls {@link #everySecond} when a second of the server's clock has passed since it last did.
     * A server with a socket ticks on its own thread; one without does nothing on its own: whoever
     * feeds it calls this, on a real clock or a virtual one.
     */
    public final void tick() {
        synchronized (this) {
            long now = nanos.getAsLong();
            if (closed || now - lastSecond < SECOND) {
                return;
            }
            lastSecond = now;
            try {
                everySecond(now);
            } catch (RuntimeException | Error e) {
                survived(e);
            }
        }
    }

    /**
     * Starts serving (the stream port, then the thread, when it has a socket), and says where; when
     * the stream port cannot listen, frees the UDP port and says why.
     */
    final void serve(String what) throws IOException {
        if (streamOptions != null) {
            try {
                streams = StreamListener.start(streamOptions, name + "-tcp", new StreamSink());
            } catch (IOException | RuntimeException e) {
                port.close();
                throw e;
            }
        }
        if (port != null) {
            port.start();
        }
        log.accept(what + " listening on " + address);
        if (streams != null) {
            log.accept(what + " takes streams on TCP " + streams.address() + ": TLS or not, WebSocket on "
                    + streamOptions.path() + " or plain");
            log.accept("TLS certificate SHA-256: " + streamOptions.tls().hex());
        }
    }

    /** Datagrams from streams and their ends, into the server holding its monitor. */
    private final class StreamSink implements StreamListener.Sink {
        @Override
        public void datagram(ByteBuffer datagram, InetSocketAddress from) {
            synchronized (DatagramServer.this) {
                if (closed) {
                    return;
                }
                if (streamIn == null) {
                    streamIn = ByteBuffer.allocate(io.subutai.p2p.wire.stream.StreamFraming.MAX_DATAGRAM);
                }
                streamIn.clear();
                streamIn.put(datagram).flip();
                try {
                    received(streamIn, from, true);
                } catch (IOException | RuntimeException | Error e) {
                    survived(e);
                }
            }
        }

        @Override
        public void closed(InetSocketAddress from) {
            synchronized (DatagramServer.this) {
                if (closed) {
                    return;
                }
                try {
                    streamClosed(from);
                } catch (RuntimeException | Error e) {
                    survived(e);
                }
            }
        }
    }

    public final InetSocketAddress address() {
        return address;
    }

    /** Its UDP port, or null without a socket. */
    final UdpPort port() {
        return port;
    }

    /** Where it takes streams (TCP), or null when it does not. */
    public final InetSocketAddress streamAddress() {
        StreamListener s = streams;
        return s == null ? null : s.address();
    }

    /**
     * The SHA-256 of its stream port's TLS certificate, or null without streams, and when members
     * reach them through a web server in front (whose certificate they see).
     */
    public final byte[] certificate() {
        return streamOptions == null || streamOptions.publicPort() != 0 ? null : streamOptions.tls().sha256();
    }

    /** The TCP port members reach its streams at: its own, or the one of a web server in front; 0 without streams. */
    public final int publicStreamPort() {
        InetSocketAddress s = streamAddress();
        return s == null ? 0 : streamOptions.publicPort() != 0 ? streamOptions.publicPort() : s.getPort();
    }

    /** Streams ready now (0 without streams). */
    public final int streams() {
        StreamListener s = streams;
        return s == null ? 0 : s.streams();
    }

    /** Datagrams for a stream dropped: its queue was full (over the high water mark), or it was gone. */
    public final long streamDrops() {
        StreamListener s = streams;
        return s == null ? 0 : s.dropped();
    }

    /** Connections to the stream port closed at once: the listener, or their source prefix, full. */
    public final long streamsRefused() {
        StreamListener s = streams;
        return s == null ? 0 : s.refused();
    }

    /** Bytes this process holds queued for the stream at {@code to}: what a slow reader costs it. */
    final long streamQueued(InetSocketAddress to) {
        StreamListener s = streams;
        return s == null ? 0 : s.queued(to);
    }

    /** UDP datagrams dropped because their source was a stream's remote address. */
    public final long shadowed() {
        return shadowed;
    }

    /**
     * A datagram from {@code from}, valid during the call; {@code stream}: it came over a stream
     * (whose remote address {@code from} is), so its source needs no cookie, and answers to it go
     * back the same way.
     */
    abstract void received(ByteBuffer datagram, InetSocketAddress from, boolean stream) throws IOException;

    /** The stream at {@code from} is gone. Nothing by default. */
    void streamClosed(InetSocketAddress from) {
    }

    /** Called once a second of the clock, with the clock's time. */
    abstract void everySecond(long now);

    /** Sends {@code length} bytes of {@code data} to {@code to} from the server's port. */
    final void send(byte[] data, int length, InetSocketAddress to) throws IOException {
        if (port != null) {
            port.send(data, length, to);
        } else {
            outlet.send(data, length, to);
        }
    }

    /**
     * Sends {@code length} bytes of {@code data} to {@code to}: down the stream with that remote
     * address when {@code stream} (dropped, never sent over UDP, when that stream is gone or full),
     * else from the server's UDP port.
     */
    final void send(byte[] data, int length, InetSocketAddress to, boolean stream) throws IOException {
        if (!stream) {
            send(data, length, to);
            return;
        }
        StreamListener s = streams;
        if (s != null) {
            s.send(data, length, to);
        }
    }

    /**
     * Passes on {@code datagram} (position to limit), received and maybe rewritten, to {@code to}:
     * as {@link #send(byte[], int, InetSocketAddress, boolean)}, except that over UDP the port may
     * send it later in the same batch, with others to the same address. The buffer is the caller's
     * again on return. Called holding the monitor.
     */
    final void forward(ByteBuffer datagram, InetSocketAddress to, boolean stream) throws IOException {
        if (!stream && port != null) {
            port.forward(datagram, to);
            return;
        }
        int n = datagram.remaining();
        if (copy == null || copy.length < n) {
            copy = new byte[Math.max(n, 2048)];
        }
        datagram.get(datagram.position(), copy, 0, n);
        send(copy, n, to, stream);
    }

    /** What the port hands the server: datagrams on its thread, and now and then a look at the clock. */
    private final class Arrivals implements UdpPort.Receiver {
        @Override
        public void datagram(ByteBuffer datagram, InetSocketAddress from) {
            StreamListener s = streams;
            if (s != null && s.live(from)) {
                shadowed++; // a stream's address: nobody else speaks for it
                return;
            }
            synchronized (DatagramServer.this) {
                if (closed) {
                    return;
                }
                try {
                    received(datagram, from, false);
                } catch (IOException | RuntimeException | Error e) {
                    survived(e);
                }
            }
        }

        @Override
        public void idle() {
            tick();
        }

        @Override
        public void failed(Throwable e) {
            if (!closed) {
                survived(e);
            }
        }
    }

    /**
     * Says what went wrong and goes on: the server's one thread must outlive anything one datagram
     * or one tick can do to it, even an Error (an OutOfMemoryError under a flood may pass once
     * the flood's state is swept).
     */
    private void survived(Throwable e) {
        try {
            log.accept(name + ": " + e);
        } catch (RuntimeException | Error again) {
            // the log itself failed (out of memory, say): nothing more to say
        }
    }

    /** Stops the server: no datagram is handled and no tick runs after this returns; the port is free. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        StreamListener s = streams;
        if (s != null) {
            s.close(); // not holding the monitor: its threads may be waiting for it, to find the server closed
        }
        if (port != null) {
            port.close();
        }
    }
}
