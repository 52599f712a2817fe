package io.subutai.p2p.transport.tcp.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.osgi.service.log.Logger;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.Path;
import io.subutai.p2p.spi.RelayOffer;
import io.subutai.p2p.spi.StreamTarget;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;
import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * One network's relay client over streams (docs/protocol.md §8, §10), for members whose network
 * blocks UDP: it keeps a {@link Link} to each of the first {@link #MAX_RELAYS} relays offered that
 * take streams, allocates there (the relay gives a stream a handle of {@link
 * RelayMessage#STREAM_HANDLES} or more), refreshes every {@link #REFRESH_SECONDS} s, and announces
 * {@code relayUdpAddress:handle} among this node's endpoints. So a peer on UDP reaches this node
 * through the relay as it reaches any member there, and this node reaches a peer's handle at the
 * relay as a path of kind {@link PathKind#RELAY_TCP} (SEND down the link), which the engine takes
 * only while no UDP path is ready.
 *
 * <p>A link going down voids its allocation (the relay forgets a stream's allocation when it
 * closes): this node un-announces it, and allocates again when the link is back. The TCP
 * connection proves the source, so the first ALLOCATE carries no cookie; a relay that asks for one
 * anyway gets it echoed once per request.
 *
 * <p>Threads: what the links receive and report arrives on their event loops and is handed to the
 * network's socket thread ({@link io.subutai.p2p.spi.DatagramPort#execute}) together with the
 * datagrams delivered, so this client changes its allocations and announces them on that thread,
 * in order; {@link #relaysOffered} and the refresh run on the control loop. The relays' state is
 * guarded by {@link #relays}.
 */
final class StreamRelayClient implements TransportSession {

    /** Relays this node keeps links to, at most. */
    static final int MAX_RELAYS = 3;
    /** How often allocations are refreshed; a relay forgets one after 30 s. */
    static final int REFRESH_SECONDS = 8;

    // immutable
    private final TransportContext context;
    private final TcpTransport streams;
    private final Logger log;
    private final byte[] networkId;
    private final byte[] staticKey;

    /** The relays linked, by their UDP address; guarded by itself. */
    private final Map<InetSocketAddress, Relay> relays = new LinkedHashMap<>();
    /** The same by host, for {@link #route}. */
    private volatile Map<InetAddress, Relay> byHost = Map.of();
    private volatile String problem = ""; // why links cannot be opened (a bad proxy)
    private volatile AutoCloseable refresh;
    private volatile boolean closed;

    StreamRelayClient(TransportContext context, TcpTransport streams, Logger log) {
        this.context = context;
        this.streams = streams;
        this.log = log;
        this.networkId = HexFormat.of().parseHex(context.networkId());
        this.staticKey = context.staticKey().clone();
        scheduleRefresh();
    }

    /** A relay linked: its link, and this node's allocation there (guarded by {@link #relays}). */
    private final class Relay implements Link.Listener, DatagramHandler {
        final RelayOffer offer;
        final InetSocketAddress udp;
        final InetSocketAddress via;
        Link link;
        int handle; // 0: none
        byte[] secret;
        boolean awaiting; // a request went down the link and nothing answered it yet
        boolean echoed; // a cookie went back and no allocation came since
        /** The handle while this node holds one (what paths check); 0: none. */
        volatile int held;

        Relay(RelayOffer offer) {
            this.offer = offer;
            this.udp = offer.address();
            this.via = new InetSocketAddress(udp.getAddress(), offer.streamPort());
        }

        @Override
        public void up() {
            context.socket().execute(() -> linked(this));
        }

        @Override
        public void down() {
            context.socket().execute(() -> lost(this));
        }

        /** On the link's event loop: FROM is delivered, answers are handled, on the socket's thread. */
        @Override
        public void received(InetSocketAddress from, ByteBuffer datagram) {
            int op = RelayMessage.op(datagram);
            if (op == RelayMessage.OP_FROM) {
                int sender = RelayMessage.handle(datagram);
                if (sender == 0 || datagram.remaining() <= RelayMessage.ENVELOPE + 1) {
                    return;
                }
                ByteBuffer copy = ByteBuffer.allocate(datagram.remaining() - RelayMessage.ENVELOPE);
                copy.put(datagram.duplicate().position(datagram.position() + RelayMessage.ENVELOPE)).flip();
                InetSocketAddress peer = new InetSocketAddress(udp.getAddress(), sender);
                context.socket().execute(() -> {
                    if (!closed) {
                        context.deliver(peer, copy);
                    }
                });
            } else if (op == RelayMessage.OP_COOKIE || op == RelayMessage.OP_ALLOCATED) {
                RelayMessage m = RelayMessage.decode(datagram.duplicate());
                if (m != null) {
                    context.socket().execute(() -> answered(this, m));
                }
            }
        }

        void send(RelayMessage m) {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
            m.encode(b);
            link.send(b.flip());
        }

        Path to(int peer) {
            byte[] envelope = new byte[RelayMessage.ENVELOPE];
            RelayMessage.envelope(ByteBuffer.wrap(envelope), RelayMessage.OP_SEND, peer);
            return new Path() {
                @Override
                public PathKind kind() {
                    return PathKind.RELAY_TCP;
                }

                @Override
                public InetSocketAddress via() {
                    return via;
                }

                @Override
                public boolean ready() {
                    return held != 0 && link.connected();
                }

                @Override
                public void send(ByteBuffer datagram) {
                    if (held != 0) {
                        link.send(envelope, datagram);
                    }
                }

                /** A batch (a TAP super-frame's segments): written one by one, flushed once. */
                @Override
                public void sendSegments(ByteBuffer datagrams, int segmentSize) {
                    if (held == 0) {
                        return;
                    }
                    link.sendSegments(envelope, datagrams, segmentSize);
                }
            };
        }
    }

    /**
     * The relays discovery offered: links to the first {@link #MAX_RELAYS} that take streams,
     * closing those to relays no longer offered (releasing the allocation there first).
     */
    @Override
    public void relaysOffered(List<RelayOffer> offers) {
        List<RelayOffer> wanted = new ArrayList<>();
        for (RelayOffer o : offers) {
            if (o.streamPort() != 0 && wanted.size() < MAX_RELAYS) {
                wanted.add(o);
            }
        }
        boolean changed = false;
        synchronized (relays) {
            if (closed) {
                return;
            }
            for (var it = relays.values().iterator(); it.hasNext();) {
                Relay r = it.next();
                if (!wanted.contains(r.offer)) {
                    changed |= r.handle != 0;
                    release(r);
                    it.remove();
                }
            }
            for (RelayOffer o : wanted) {
                if (!relays.containsKey(o.address())) {
                    Relay r = new Relay(o);
                    try {
                        r.link = streams.open(new StreamTarget(o.streamUrl(), o.certificate(), context.proxy(),
                                "relay " + o.address().getAddress().getHostAddress() + " (network "
                                        + context.networkId().substring(0, 8) + ")"), r, r);
                        problem = "";
                    } catch (IllegalArgumentException e) {
                        if (!e.getMessage().equals(problem)) {
                            log.warn("network {}: no stream to relay {}: {}", context.networkId(), o.address(), e.getMessage());
                        }
                        problem = e.getMessage();
                        continue;
                    }
                    relays.put(o.address(), r);
                }
            }
            Map<InetAddress, Relay> hosts = new HashMap<>();
            relays.values().forEach(r -> hosts.putIfAbsent(r.udp.getAddress(), r));
            byHost = Map.copyOf(hosts);
        }
        if (changed) {
            context.socket().execute(this::allocationsChanged);
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

    /** Refreshes the allocations held, with proof, and asks again where none is held yet. */
    void refresh() {
        synchronized (relays) {
            for (Relay r : relays.values()) {
                if (r.link.connected()) {
                    request(r);
                }
            }
        }
    }

    /** An ALLOCATE (no cookie: the stream proved the source) or a REFRESH; the caller holds the lock. */
    private void request(Relay r) {
        r.awaiting = true;
        r.send(r.handle == 0 ? RelayMessage.allocate(networkId, staticKey, new byte[RelayMessage.TOKEN])
                : RelayMessage.proving(RelayMessage.OP_REFRESH, r.handle, r.secret));
    }

    /** Gives up the allocation at {@code r}, if one is held, and the link; the caller holds the lock. */
    private void release(Relay r) {
        if (r.handle != 0) {
            r.send(RelayMessage.proving(RelayMessage.OP_RELEASE, r.handle, r.secret));
        }
        r.handle = 0;
        r.held = 0;
        r.link.close();
    }

    /** On the socket's thread: a link came up; allocate there. */
    private void linked(Relay r) {
        synchronized (relays) {
            if (relays.get(r.udp) == r) {
                r.handle = 0;
                r.echoed = false;
                request(r);
            }
        }
    }

    /** On the socket's thread: a link went down; its allocation is void. */
    private void lost(Relay r) {
        synchronized (relays) {
            if (relays.get(r.udp) != r || r.handle == 0) {
                return;
            }
            r.handle = 0;
            r.secret = null;
            r.awaiting = false;
            r.echoed = false;
        }
        allocationsChanged();
    }

    /** On the socket's thread: the relay's answer; a cookie is echoed once, an allocation taken when asked for. */
    private void answered(Relay r, RelayMessage m) {
        synchronized (relays) {
            if (relays.get(r.udp) != r) {
                return;
            }
            if (m.op() == RelayMessage.OP_COOKIE) {
                if (r.awaiting) {
                    r.awaiting = false;
                    r.echoed = true;
                    r.send(RelayMessage.allocate(networkId, staticKey, m.token()));
                }
                return;
            }
            boolean known = r.handle == m.handle() && Arrays.equals(r.secret, m.token()); // a refresh's answer
            if (!known && !r.awaiting && !r.echoed || !RelayMessage.streamHandle(m.handle())
                    || !Arrays.equals(m.staticKey(), staticKey) || !Arrays.equals(m.networkId(), networkId)) {
                return;
            }
            r.awaiting = false;
            r.echoed = false;
            r.secret = m.token();
            if (r.handle == m.handle()) {
                return;
            }
            r.handle = m.handle();
        }
        allocationsChanged();
    }

    /** On the socket's thread: announces this node's handles ({@code relay:handle}) and lets paths use them. */
    private void allocationsChanged() {
        List<InetSocketAddress> out = new ArrayList<>();
        synchronized (relays) {
            if (closed) {
                return;
            }
            for (Relay r : relays.values()) {
                r.held = r.handle;
                if (r.handle != 0) {
                    out.add(new InetSocketAddress(r.udp.getAddress(), r.handle));
                }
            }
        }
        context.announce(out);
    }

    /** A peer's handle at a relay linked: a path down the link; null for anything else. */
    @Override
    public Path route(InetSocketAddress to) {
        Relay r = byHost.get(to.getAddress());
        return r != null && r.udp.getPort() != to.getPort() ? r.to(to.getPort()) : null;
    }

    @Override
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        String p = problem;
        if (!p.isEmpty()) {
            out.add("relay-tcp: no streams: " + p);
        }
        synchronized (relays) {
            for (Relay r : relays.values()) {
                out.add("relay-tcp " + r.udp.getAddress().getHostAddress() + ":" + r.udp.getPort() + ": " + r.link.describe()
                        + (r.held != 0 ? ", handle " + r.held : ", no handle"));
            }
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (relays) {
            closed = true;
            for (Relay r : relays.values()) {
                release(r);
            }
            relays.clear();
            byHost = Map.of();
        }
        try {
            AutoCloseable t = refresh;
            if (t != null) {
                t.close();
            }
        } catch (Exception e) {
            // the network's loop is going away
        }
    }
}
