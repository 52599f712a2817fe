package io.subutai.p2p.transport.proxy.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Path;
import io.subutai.p2p.spi.RelayOffer;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;
import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * One network's relay client (docs/protocol.md §8). An address {@code relay:handle} is a peer
 * reached through a relay: what the engine sends there leaves wrapped in SEND to the relay's port
 * ({@link #route}); what the relay passes on (FROM) is delivered unwrapped, as a datagram from
 * {@code relay:handle}. So a relayed path is one more address of a peer, probed and ranked with
 * the others. The client keeps this node's own allocations at up to {@link #MAX_RELAYS} of the
 * relays offered, so that each peer's path probing picks the relay with the lowest round trip,
 * and moves to another when one dies; it announces them as this node's endpoints.
 *
 * <p>An address on a relay's host other than the relay's port counts as relayed: a peer that runs
 * on a relay's host is reached through the relay. So one host runs one relay (handles are named
 * by the relay's address). A datagram to a handle at a relay where this node holds no allocation
 * is dropped: the relay would drop it.
 *
 * <p>Allocating takes a cookie: the first ALLOCATE gets one back, which the next echoes; the
 * relay's ALLOCATED then brings the handle and the allocation's secret, which every refresh (and
 * the release, when a relay is no longer offered or the network stops) proves. A relay that
 * answers a refresh with a cookie no longer knows the allocation (it restarted): the client
 * allocates again. Only one cookie is answered per request sent, so spoofed cookies cannot make
 * the client send more than it would.
 */
final class RelayClient implements TransportSession {

    /** Relays this node allocates at, at most. */
    static final int MAX_RELAYS = 3;
    /** How often allocations are refreshed; a relay forgets one after 30 s. */
    static final int REFRESH_SECONDS = 8;

    private final TransportContext context;
    private final DatagramPort socket;
    private final byte[] networkId;
    private final byte[] staticKey;
    private final AutoCloseable registration;
    private volatile Map<InetAddress, Relay> relays = Map.of(); // relay host -> the relay's path
    /** The relays this node allocates at, with what each gave; guarded by itself. */
    private final Map<InetSocketAddress, Allocation> handles = new LinkedHashMap<>();
    private volatile AutoCloseable refresh;
    /** The relays where this node holds an allocation (a handle), for the senders' quick check. */
    private volatile java.util.Set<InetSocketAddress> allocatedAt = java.util.Set.of();
    private volatile boolean closed;

    RelayClient(TransportContext context) {
        this.context = context;
        this.socket = context.socket();
        this.networkId = HexFormat.of().parseHex(context.networkId());
        this.staticKey = context.staticKey().clone();
        this.registration = socket.register(RelayMessage.TYPE, this::received);
        scheduleRefresh();
    }

    /** This node's allocation at one relay; guarded by {@link #handles}. */
    private static final class Allocation {
        int handle; // 0: none yet
        byte[] secret;
        boolean awaitingCookie; // a request went out and no cookie has been answered since
        boolean echoed; // a cookie went back and no allocation has come since
    }

    /** The path through one relay: wraps what it is given in SEND for the handle it was asked for. */
    private final class Relay {
        final InetSocketAddress at;
        private final ByteBuffer one = ByteBuffer.allocateDirect(RelayMessage.ENVELOPE + 65_536); // guarded by itself
        private ByteBuffer many; // guarded by one

        Relay(InetSocketAddress at) {
            this.at = at;
        }

        Path to(int handle) {
            return new Path() {
                /** A peer whose handle is a stream's reaches the relay over TCP: the path crosses it (protocol §8). */
                @Override
                public PathKind kind() {
                    return RelayMessage.streamHandle(handle) ? PathKind.RELAY_TCP : PathKind.RELAY;
                }

                @Override
                public InetSocketAddress via() {
                    return at;
                }

                @Override
                public boolean ready() {
                    return allocated(at);
                }

                @Override
                public void send(ByteBuffer datagram) {
                    sendOne(datagram, false);
                }

                /**
                 * With the don't-fragment bit to the relay; the relay's host forwards it as one
                 * datagram, which its kernel sends unfragmented too while it fits the path MTU it
                 * knows toward the peer, so a probe measures both legs.
                 */
                @Override
                public boolean sendUnfragmented(ByteBuffer datagram) {
                    return sendOne(datagram, true);
                }

                /** In its SEND envelope to the relay; false when nothing went (no allocation, or the socket cannot send it unfragmented). */
                private boolean sendOne(ByteBuffer datagram, boolean unfragmented) {
                    if (!allocated(at)) {
                        return false;
                    }
                    synchronized (one) {
                        one.clear();
                        RelayMessage.envelope(one, RelayMessage.OP_SEND, handle);
                        one.put(datagram.duplicate()).flip();
                        if (unfragmented) {
                            return socket.sendUnfragmented(at, one);
                        }
                        socket.send(at, one);
                        return true;
                    }
                }

                @Override
                public void sendSegments(ByteBuffer datagrams, int segmentSize) {
                    if (!allocated(at)) {
                        return;
                    }
                    synchronized (one) {
                        int count = (datagrams.remaining() + segmentSize - 1) / segmentSize;
                        int size = count * (segmentSize + RelayMessage.ENVELOPE);
                        if (many == null || many.capacity() < size) {
                            many = ByteBuffer.allocateDirect(size);
                        }
                        many.clear();
                        ByteBuffer d = datagrams.duplicate();
                        while (d.hasRemaining()) {
                            int n = Math.min(segmentSize, d.remaining());
                            RelayMessage.envelope(many, RelayMessage.OP_SEND, handle);
                            many.put(many.position(), d, d.position(), n).position(many.position() + n);
                            d.position(d.position() + n);
                        }
                        socket.sendSegments(at, many.flip(), segmentSize + RelayMessage.ENVELOPE);
                    }
                }
            };
        }
    }

    /**
     * The relays discovery offered: allocates at the first {@link #MAX_RELAYS} of them, and gives
     * up the allocations at relays no longer offered.
     */
    @Override
    public void relaysOffered(List<RelayOffer> offers) {
        List<InetSocketAddress> offered = new ArrayList<>();
        for (RelayOffer o : offers) {
            offered.add(o.address());
        }
        Map<InetAddress, Relay> m = new HashMap<>();
        Map<InetAddress, Relay> old = relays;
        for (InetSocketAddress r : offered) {
            Relay known = old.get(r.getAddress());
            m.put(r.getAddress(), known != null && known.at.equals(r) ? known : new Relay(r));
        }
        boolean changed = false;
        synchronized (handles) {
            for (var it = handles.entrySet().iterator(); it.hasNext();) { // first: a new list may replace every relay
                var e = it.next();
                if (!offered.contains(e.getKey())) {
                    release(e.getKey(), e.getValue());
                    it.remove();
                    changed = true;
                }
            }
            for (InetSocketAddress r : offered) {
                if (handles.size() < MAX_RELAYS) {
                    handles.putIfAbsent(r, new Allocation());
                }
            }
        }
        relays = m;
        refresh();
        if (changed) {
            allocationsChanged();
        }
    }

    private void scheduleRefresh() {
        if (!closed) {
            refresh = context.scheduler().schedule(() -> {
                refresh();
                scheduleRefresh();
            }, REFRESH_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Asks for this node's allocations (for a cookie, first), or refreshes them with proof. */
    void refresh() {
        synchronized (handles) {
            handles.forEach((r, a) -> {
                a.awaitingCookie = true;
                send(r, a.handle == 0 ? RelayMessage.allocate(networkId, staticKey, new byte[RelayMessage.TOKEN])
                        : RelayMessage.proving(RelayMessage.OP_REFRESH, a.handle, a.secret));
            });
        }
    }

    /** Gives up the allocation {@code a} at {@code relay}, if it holds one, proving its secret. */
    private void release(InetSocketAddress relay, Allocation a) {
        if (a.handle != 0) {
            send(relay, RelayMessage.proving(RelayMessage.OP_RELEASE, a.handle, a.secret));
        }
    }

    private void send(InetSocketAddress relay, RelayMessage m) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
        m.encode(b);
        socket.send(relay, b.flip());
    }

    /** Whether this node holds an allocation at {@code relay}. */
    private boolean allocated(InetSocketAddress relay) {
        return allocatedAt.contains(relay);
    }

    /** Announces this node's addresses at its relays ({@code relay:handle}) and notes where it holds allocations. */
    private void allocationsChanged() {
        List<InetSocketAddress> out = new ArrayList<>();
        java.util.Set<InetSocketAddress> at = new java.util.HashSet<>();
        synchronized (handles) {
            handles.forEach((r, a) -> {
                if (a.handle != 0) {
                    out.add(new InetSocketAddress(r.getAddress(), a.handle));
                    at.add(r);
                }
            });
            allocatedAt = java.util.Set.copyOf(at);
        }
        context.announce(out);
    }

    private void received(InetSocketAddress from, ByteBuffer datagram) {
        Relay relay = relays.get(from.getAddress());
        if (relay == null || !relay.at.equals(from)) {
            return; // only relays this node uses speak type 8 to it
        }
        int op = RelayMessage.op(datagram);
        if (op == RelayMessage.OP_FROM) {
            int sender = RelayMessage.handle(datagram);
            ByteBuffer inner = datagram.duplicate().position(datagram.position() + RelayMessage.ENVELOPE).slice();
            if (sender != 0 && inner.remaining() > 1) {
                context.deliver(new InetSocketAddress(from.getAddress(), sender), inner);
            }
        } else if (op == RelayMessage.OP_COOKIE || op == RelayMessage.OP_ALLOCATED) {
            RelayMessage m = RelayMessage.decode(datagram.duplicate());
            if (m != null) {
                answered(from, m);
            }
        }
    }

    /** The relay's answer to a request: its cookie, echoed once; or the allocation, whose handle is announced when new. */
    private void answered(InetSocketAddress relay, RelayMessage m) {
        synchronized (handles) {
            Allocation a = handles.get(relay);
            if (a == null) {
                return;
            }
            if (m.op() == RelayMessage.OP_COOKIE) {
                if (a.awaitingCookie) {
                    a.awaitingCookie = false;
                    a.echoed = true;
                    send(relay, RelayMessage.allocate(networkId, staticKey, m.token()));
                }
                return;
            }
            boolean known = a.handle == m.handle() && java.util.Arrays.equals(a.secret, m.token()); // a refresh's answer
            if (!known && !a.echoed || !java.util.Arrays.equals(m.staticKey(), staticKey)
                    || !java.util.Arrays.equals(m.networkId(), networkId)) {
                return; // a new allocation comes only in answer to an echoed cookie
            }
            a.awaitingCookie = false;
            a.echoed = false;
            a.secret = m.token();
            if (a.handle == m.handle()) {
                return;
            }
            a.handle = m.handle();
        }
        allocationsChanged();
    }

    @Override
    public Path route(InetSocketAddress to) {
        Relay r = relays.get(to.getAddress());
        return r != null && r.at.getPort() != to.getPort() ? r.to(to.getPort()) : null;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (handles) {
            try {
                handles.forEach(this::release);
            } catch (RuntimeException e) {
                // the socket is going away: the relays forget the allocations within their lifetime
            }
            handles.clear();
        }
        try {
            AutoCloseable r = refresh;
            if (r != null) {
                r.close();
            }
            registration.close();
        } catch (Exception e) {
            // the socket is going away
        }
    }
}
