package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Path;
import io.subutai.p2p.spi.RelayOffer;
import io.subutai.p2p.spi.Scheduler;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;

/**
 * A network's socket as the mesh sees it, with the transports attached: a datagram to an address
 * a transport {@link TransportSession#route routes} (a peer's handle at a relay) goes its way,
 * anything else straight out of the socket; what a transport delivers arrives like any datagram.
 * So every path is one more address of a peer to the mesh, probed and ranked with the others.
 * Transports come and go while the network runs; one that fails is logged and skipped. The
 * transports' timers run on the network's control loop.
 */
public final class TransportMux implements DatagramPort, Routes {

    /** Where the mux reports a transport that failed. */
    public interface Failures {
        void failed(String transport, String operation, Throwable e);
    }

    private record Attached(String name, Transport transport, TransportSession session) {
    }

    private final DatagramPort socket;
    private final String networkId;
    private final byte[] staticKey;
    private final ControlLoop loop;
    private final Consumer<List<InetSocketAddress>> announce;
    private final Failures failures;
    private final String proxy;
    private final AtomicReferenceArray<DatagramHandler> handlers = new AtomicReferenceArray<>(256);
    private final List<Attached> attached = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** What each transport announced: this node's endpoints besides its own; guarded by itself. */
    private final Map<Transport, List<InetSocketAddress>> announced = new LinkedHashMap<>();
    /** Each destination's route (NONE: straight out), remembered until the relays or the transports change. */
    private final Map<InetSocketAddress, Path> routes = new ConcurrentHashMap<>();
    private static final Path NONE = new Path() {
        @Override
        public PathKind kind() {
            return PathKind.DIRECT;
        }

        @Override
        public InetSocketAddress via() {
            return null;
        }

        @Override
        public void send(ByteBuffer datagram) {
            throw new IllegalStateException("not a route");
        }
    };
    private volatile List<RelayOffer> relays = List.of();
    /** Counts changes of what routes depend on: a route worked out before one is not remembered. */
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param announce told this node's endpoints that transports add (relay handles), whenever they change
     */
    public TransportMux(DatagramPort socket, String networkId, byte[] staticKey, ControlLoop loop,
            Consumer<List<InetSocketAddress>> announce, Failures failures) {
        this(socket, networkId, staticKey, loop, announce, failures, "");
    }

    /**
     * @param announce told this node's endpoints that transports add (relay handles), whenever they change
     * @param proxy    the proxy the network's streams go through ({@code start -proxy}); empty: the default
     */
    public TransportMux(DatagramPort socket, String networkId, byte[] staticKey, ControlLoop loop,
            Consumer<List<InetSocketAddress>> announce, Failures failures, String proxy) {
        this.proxy = proxy == null ? "" : proxy;
        this.socket = socket;
        this.networkId = networkId;
        this.staticKey = staticKey.clone();
        this.loop = loop;
        this.announce = announce;
        this.failures = failures;
    }

    /** Attaches a transport to this network; false when it failed to. Called on the network's control loop. */
    public synchronized boolean attach(String name, Transport transport) {
        for (Attached a : attached) {
            if (a.transport() == transport) {
                return true;
            }
        }
        TransportContext context = new TransportContext() {
            @Override
            public String networkId() {
                return networkId;
            }

            @Override
            public byte[] staticKey() {
                return staticKey.clone();
            }

            @Override
            public DatagramPort socket() {
                return socket;
            }

            @Override
            public Scheduler scheduler() {
                return new Scheduler() {
                    @Override
                    public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
                        return loop.schedule(() -> {
                            try {
                                task.run();
                            } catch (RuntimeException | LinkageError e) {
                                failures.failed(name, "a timer task", e);
                            }
                        }, delay, unit);
                    }

                    @Override
                    public long nanoTime() {
                        return loop.nanoTime();
                    }
                };
            }

            @Override
            public void announce(List<InetSocketAddress> endpoints) {
                synchronized (announced) {
                    announced.put(transport, List.copyOf(endpoints));
                }
                forgetRoutes(); // which of the transports' paths are ready may have changed with it
                TransportMux.this.announce.accept(announced());
            }

            @Override
            public String proxy() {
                return proxy;
            }

            @Override
            public void deliver(InetSocketAddress from, ByteBuffer datagram) {
                TransportMux.this.deliver(from, datagram);
            }
        };
        TransportSession session = null;
        try {
            session = transport.attach(context);
            if (!relays.isEmpty()) {
                session.relaysOffered(relays); // before any route is asked of it
            }
        } catch (RuntimeException | LinkageError e) {
            failures.failed(name, "attach", e);
            if (session != null) {
                close(new Attached(name, transport, session));
            }
            return false;
        }
        attached.add(new Attached(name, transport, session));
        forgetRoutes();
        return true;
    }

    /** Detaches a transport (it went away): its routes are forgotten, and what it announced. */
    public synchronized void detach(Transport transport) {
        for (Attached a : attached) {
            if (a.transport() == transport && attached.remove(a)) {
                forgetRoutes();
                close(a);
                boolean had;
                synchronized (announced) {
                    had = announced.remove(transport) != null;
                }
                if (had) {
                    announce.accept(announced());
                }
            }
        }
    }

    /** This node's endpoints that the transports announced (its relay handles). */
    public List<InetSocketAddress> announced() {
        List<InetSocketAddress> all = new ArrayList<>();
        synchronized (announced) {
            announced.values().forEach(all::addAll);
        }
        return all;
    }

    /** The names of the transports attached. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (Attached a : attached) {
            out.add(a.name());
        }
        return out;
    }

    /** Relays discovery offered, for every transport, now and when attached later. The control loop's. */
    public synchronized void relaysOffered(List<RelayOffer> offered) {
        relays = List.copyOf(offered);
        for (Attached a : attached) {
            try {
                a.session().relaysOffered(relays);
            } catch (RuntimeException | LinkageError e) {
                failures.failed(a.name(), "relaysOffered", e);
            }
        }
        forgetRoutes();
    }

    /** After what routes depend on changed: a route being worked out meanwhile is not kept either. */
    private void forgetRoutes() {
        epoch.incrementAndGet();
        routes.clear();
    }

    /**
     * The way to {@code to} a transport offers; null: straight out of the socket. Of the paths
     * that transports offer for one address (a peer's handle at a relay this node reaches both over
     * UDP and over a stream), a {@link Path#ready ready} one of the best {@link PathKind#rank rank};
     * when none is ready, the first offered.
     */
    Path route(InetSocketAddress to) {
        Path p = routes.get(to);
        if (p == null) {
            long seen = epoch.get();
            p = NONE;
            Path best = null;
            for (Attached a : attached) {
                try {
                    Path r = a.session().route(to);
                    if (r == null) {
                        continue;
                    }
                    if (p == NONE) {
                        p = r;
                    }
                    if (r.ready() && (best == null || r.kind().rank() < best.kind().rank())) {
                        best = r;
                    }
                } catch (RuntimeException | LinkageError e) {
                    failures.failed(a.name(), "route", e);
                }
            }
            if (best != null) {
                p = best;
            }
            if (routes.size() > 4096) {
                routes.clear();
            }
            routes.put(to, p);
            if (epoch.get() != seen) {
                routes.remove(to, p); // worked out from what changed meanwhile
            }
        }
        return p == NONE ? null : p;
    }

    @Override
    public InetSocketAddress relayFor(InetSocketAddress to) {
        Path p = route(to);
        return p != null && p.kind().relayed() ? p.via() : null;
    }

    @Override
    public PathKind relayKind(InetSocketAddress to) {
        Path p = route(to);
        return p != null && p.kind().relayed() ? p.kind() : null;
    }

    /** What the transports say about themselves, for {@code debug}. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Attached a : attached) {
            try {
                out.addAll(a.session().describe());
            } catch (RuntimeException | LinkageError e) {
                failures.failed(a.name(), "describe", e);
            }
        }
        return out;
    }

    /** The transports' predictions. */
    @Override
    public List<InetSocketAddress> guesses(List<InetSocketAddress> mapped) {
        List<InetSocketAddress> out = new ArrayList<>();
        if (mapped.isEmpty()) {
            return out;
        }
        for (Attached a : attached) {
            try {
                out.addAll(a.session().guesses(mapped));
            } catch (RuntimeException | LinkageError e) {
                failures.failed(a.name(), "guesses", e);
            }
        }
        return out;
    }

    /** As the transports know how. */
    @Override
    public void open(List<InetSocketAddress> targets) {
        for (Attached a : attached) {
            try {
                a.session().open(targets);
            } catch (RuntimeException | LinkageError e) {
                failures.failed(a.name(), "open", e);
            }
        }
    }

    private void deliver(InetSocketAddress from, ByteBuffer datagram) {
        DatagramHandler h = datagram.remaining() > 1 ? handlers.get(datagram.get(datagram.position() + 1) & 255) : null;
        if (h != null) {
            h.received(from, datagram);
        }
    }

    @Override
    public AutoCloseable watch(int fd, Runnable whenReadable, Runnable whenLost) {
        return socket.watch(fd, whenReadable, whenLost);
    }

    @Override
    public void execute(Runnable task) {
        socket.execute(task);
    }

    @Override
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public void send(InetSocketAddress to, ByteBuffer datagram) {
        Path p = route(to);
        if (p == null) {
            socket.send(to, datagram);
        } else {
            p.send(datagram);
        }
    }

    @Override
    public void sendSegments(InetSocketAddress to, ByteBuffer datagrams, int segmentSize) {
        Path p = route(to);
        if (p == null) {
            socket.sendSegments(to, datagrams, segmentSize);
        } else {
            p.sendSegments(datagrams, segmentSize);
        }
    }

    /** By the UDP socket, or by the transport's path as it can (a relay's: through it; a stream's: not). */
    @Override
    public boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
        Path p = route(to);
        return p == null ? socket.sendUnfragmented(to, datagram) : p.sendUnfragmented(datagram);
    }

    /** What the UDP socket knows of the way to {@code to}; 0 (not known) for an address reached through a transport. */
    @Override
    public int pathMtu(InetSocketAddress to) {
        return route(to) == null ? socket.pathMtu(to) : 0;
    }

    @Override
    public AutoCloseable register(int type, DatagramHandler handler) {
        AutoCloseable direct = socket.register(type, handler);
        handlers.set(type & 255, handler);
        return () -> {
            handlers.compareAndSet(type & 255, handler, null);
            direct.close();
        };
    }

    /** Detaches every transport. */
    public void close() {
        for (Attached a : attached) {
            attached.remove(a);
            close(a);
        }
        forgetRoutes();
    }

    private void close(Attached a) {
        try {
            a.session().close();
        } catch (RuntimeException | LinkageError e) {
            failures.failed(a.name(), "close", e);
        }
    }
}
