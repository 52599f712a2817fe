package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.UdpSocket;

/**
 * A network's socket as the mesh, the transports and discovery see it: the socket of whichever
 * provider serves the network now, at one port for the network's whole life. When the provider
 * goes (its bundle is updated or replaced), its socket is {@linkplain #detach closed}; sends are
 * dropped (and counted) until the next provider's socket, bound to the same port so that NAT
 * mappings and punched holes survive, is {@linkplain #attach attached}, and every handler
 * registered before is registered with it.
 */
public final class SocketSlot implements UdpSocket {

    private record Registration(int type, DatagramHandler handler) {
    }

    private final InetSocketAddress local;
    private final Object lock = new Object();
    // guarded by lock; the socket is also read without it (volatile)
    private volatile UdpSocket socket;
    private Object provider;
    private final List<Registration> registrations = new ArrayList<>();
    private final List<AutoCloseable> current = new ArrayList<>(); // the registrations with the socket in use
    private String waiting = "";
    private long detachedAt;
    private boolean closed;
    private final AtomicLong droppedWhileDetached = new AtomicLong();

    /** @param provider what opened {@code socket} (its provider: the slot lets go of it when that goes) */
    public SocketSlot(UdpSocket socket, Object provider) {
        this.socket = socket;
        this.provider = provider;
        this.local = socket.localAddress();
    }

    /** What opened the socket in use (null while none serves). */
    public Object provider() {
        synchronized (lock) {
            return socket == null ? null : provider;
        }
    }

    /** The port every socket of this slot binds. */
    public int port() {
        return local.getPort();
    }

    public boolean attached() {
        return socket != null;
    }

    /** Why no socket serves the network (empty while one does). */
    public String waiting() {
        synchronized (lock) {
            return socket != null ? "" : waiting;
        }
    }

    /** Datagrams not sent while no socket served the network. */
    public long droppedWhileDetached() {
        return droppedWhileDetached.get();
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    /** On the thread of the socket in use (the caller's while none is: between two sockets of a swap). */
    @Override
    public void execute(Runnable task) {
        UdpSocket s = socket;
        if (s == null) {
            task.run();
        } else {
            s.execute(task);
        }
    }

    /** On the socket in use; lost when it goes (its close tells), and null while none is. */
    @Override
    public AutoCloseable watch(int fd, Runnable whenReadable, Runnable whenLost) {
        UdpSocket s = socket;
        return s == null ? null : s.watch(fd, whenReadable, whenLost);
    }

    @Override
    public void send(InetSocketAddress to, ByteBuffer datagram) {
        UdpSocket s = socket;
        if (s == null) {
            droppedWhileDetached.incrementAndGet();
            return;
        }
        s.send(to, datagram);
    }

    @Override
    public void sendSegments(InetSocketAddress to, ByteBuffer datagrams, int segmentSize) {
        UdpSocket s = socket;
        if (s == null) {
            droppedWhileDetached.incrementAndGet();
            return;
        }
        s.sendSegments(to, datagrams, segmentSize);
    }

    @Override
    public boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
        UdpSocket s = socket;
        return s != null && s.sendUnfragmented(to, datagram);
    }

    @Override
    public int pathMtu(InetSocketAddress to) {
        UdpSocket s = socket;
        return s == null ? 0 : s.pathMtu(to);
    }

    @Override
    public AutoCloseable register(int type, DatagramHandler handler) {
        Registration r = new Registration(type, handler);
        synchronized (lock) {
            registrations.add(r);
            UdpSocket s = socket;
            if (s != null) {
                current.add(s.register(type, handler));
            }
        }
        return () -> {
            synchronized (lock) {
                int i = registrations.indexOf(r);
                if (i >= 0) {
                    registrations.remove(i);
                    if (socket != null && i < current.size()) {
                        closeQuietly(current.remove(i));
                    }
                }
            }
        };
    }

    /**
     * Closes the socket in use (its provider is going); sends are dropped until {@link #attach}.
     *
     * @return false when none was in use
     */
    public boolean detach(String why, long nowNanos) {
        UdpSocket s;
        synchronized (lock) {
            waiting = why;
            s = socket;
            if (s == null) {
                return false;
            }
            socket = null;
            detachedAt = nowNanos;
            current.forEach(SocketSlot::closeQuietly);
            current.clear();
        }
        s.close();
        return true;
    }

    /** Says why the network still waits for a socket (a bind that failed). */
    public void stillWaiting(String why) {
        synchronized (lock) {
            waiting = why;
        }
    }

    /**
     * The next provider's socket, bound to {@link #port}, serves the network from now on.
     *
     * @return how long no socket served it, in nanoseconds
     * @throws IllegalStateException when one serves it already, or the slot is closed (the caller closes {@code next})
     */
    public long attach(UdpSocket next, Object from, long nowNanos) {
        synchronized (lock) {
            if (closed || socket != null) {
                throw new IllegalStateException(closed ? "closed" : "a socket serves the network already");
            }
            try {
                for (Registration r : registrations) {
                    current.add(next.register(r.type(), r.handler()));
                }
            } catch (RuntimeException e) {
                current.forEach(SocketSlot::closeQuietly);
                current.clear();
                throw e;
            }
            socket = next;
            provider = from;
            waiting = "";
            return nowNanos - detachedAt;
        }
    }

    @Override
    public void close() {
        UdpSocket s;
        synchronized (lock) {
            closed = true;
            s = socket;
            socket = null;
            current.forEach(SocketSlot::closeQuietly);
            current.clear();
            registrations.clear();
        }
        if (s != null) {
            s.close();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // the socket is going anyway
        }
    }
}
