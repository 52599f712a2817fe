package io.subutai.p2p.core.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import io.subutai.p2p.proxy.protocol.RelayMessage;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;

/**
 * A network instance's socket as the mesh sees it, with relayed paths (docs/protocol.md §8): an
 * address {@code relay:handle} is a peer reached through a relay. What the mesh sends there leaves
 * wrapped in SEND to the relay's port; what the relay passes on (FROM) arrives unwrapped, as a
 * datagram from {@code relay:handle}. So a relayed path is one more address of a peer, probed and
 * ranked with the others. It also keeps this node's own allocation at the relay it uses.
 *
 * <p>An address on a relay's host other than the relay's port counts as relayed: a peer that runs
 * on a relay's host is reached through the relay.
 */
final class RelayPort implements DatagramPort {

    private final DatagramPort socket;
    private final byte[] networkId;
    private final byte[] staticKey;
    private final Consumer<InetSocketAddress> allocated;
    private final AtomicReferenceArray<DatagramHandler> handlers = new AtomicReferenceArray<>(256);
    private final AutoCloseable registration;
    private volatile Map<InetAddress, InetSocketAddress> relays = Map.of(); // relay host -> its port
    private volatile InetSocketAddress current; // the relay this node allocates at
    private volatile int handle;
    private final ByteBuffer one = ByteBuffer.allocateDirect(RelayMessage.ENVELOPE + 65_536); // guarded by itself
    private ByteBuffer many; // guarded by one

    /**
     * @param allocated told this node's relayed address ({@code relay:handle}) whenever it is new
     */
    RelayPort(DatagramPort socket, byte[] networkId, byte[] staticKey, Consumer<InetSocketAddress> allocated) {
        this.socket = socket;
        this.networkId = networkId.clone();
        this.staticKey = staticKey.clone();
        this.allocated = allocated;
        this.registration = socket.register(RelayMessage.TYPE, this::received);
    }

    /** The relays a discovery provider offered: allocates at the first, unless the one in use is among them. */
    void useRelays(List<InetSocketAddress> offered) {
        Map<InetAddress, InetSocketAddress> m = new HashMap<>();
        for (InetSocketAddress r : offered) {
            m.put(r.getAddress(), r);
        }
        relays = m;
        InetSocketAddress c = current;
        if (!offered.isEmpty() && (c == null || !offered.contains(c))) {
            current = offered.get(0);
            handle = 0;
            refresh();
        }
    }

    /** Asks for, or refreshes, this node's allocation (every 8 s). */
    void refresh() {
        InetSocketAddress c = current;
        if (c != null) {
            ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATE_SIZE);
            RelayMessage.allocate(networkId, staticKey).encode(b);
            socket.send(c, b.flip());
        }
    }

    private void received(InetSocketAddress from, ByteBuffer datagram) {
        int op = RelayMessage.op(datagram);
        InetSocketAddress relay = relays.get(from.getAddress());
        if (relay == null || !relay.equals(from)) {
            return; // only relays this node uses speak type 8 to it
        }
        if (op == RelayMessage.OP_FROM) {
            int sender = RelayMessage.handle(datagram);
            ByteBuffer inner = datagram.duplicate().position(datagram.position() + RelayMessage.ENVELOPE).slice();
            DatagramHandler h = inner.remaining() > 1 ? handlers.get(inner.get(1) & 255) : null;
            if (sender != 0 && h != null) {
                h.received(new InetSocketAddress(from.getAddress(), sender), inner);
            }
        } else if (op == RelayMessage.OP_ALLOCATED && from.equals(current)) {
            RelayMessage m = RelayMessage.decode(datagram.duplicate());
            if (m != null && java.util.Arrays.equals(m.staticKey(), staticKey) && m.handle() != handle) {
                handle = m.handle();
                allocated.accept(new InetSocketAddress(from.getAddress(), m.handle()));
            }
        }
    }

    /** The relay's port when {@code to} is a relayed address, else null. */
    private InetSocketAddress relayFor(InetSocketAddress to) {
        InetSocketAddress r = relays.get(to.getAddress());
        return r != null && r.getPort() != to.getPort() ? r : null;
    }

    /** Whether {@code to} is a relayed path. */
    boolean relayed(InetSocketAddress to) {
        return relayFor(to) != null;
    }

    @Override
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public void send(InetSocketAddress to, ByteBuffer datagram) {
        InetSocketAddress relay = relayFor(to);
        if (relay == null) {
            socket.send(to, datagram);
            return;
        }
        synchronized (one) {
            one.clear();
            RelayMessage.envelope(one, RelayMessage.OP_SEND, to.getPort());
            one.put(datagram.duplicate()).flip();
            socket.send(relay, one);
        }
    }

    @Override
    public void sendSegments(InetSocketAddress to, ByteBuffer datagrams, int segmentSize) {
        InetSocketAddress relay = relayFor(to);
        if (relay == null) {
            socket.sendSegments(to, datagrams, segmentSize);
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
                RelayMessage.envelope(many, RelayMessage.OP_SEND, to.getPort());
                many.put(many.position(), d, d.position(), n).position(many.position() + n);
                d.position(d.position() + n);
            }
            socket.sendSegments(relay, many.flip(), segmentSize + RelayMessage.ENVELOPE);
        }
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

    /** Stops listening for relays. */
    void close() {
        try {
            registration.close();
        } catch (Exception e) {
            // the socket is going away
        }
    }
}
