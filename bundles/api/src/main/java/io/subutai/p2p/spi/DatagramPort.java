package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/** A network instance's UDP socket as transports use it. */
@ProviderType
public interface DatagramPort {

    InetSocketAddress localAddress();

    /**
     * Sends the bytes between position and limit of {@code datagram}. It may wait briefly while the
     * socket's buffer is full (the back-pressure a sender should feel), never longer.
     */
    void send(InetSocketAddress to, ByteBuffer datagram);

    /**
     * Sends the bytes between position and limit of {@code datagrams} as consecutive datagrams of
     * {@code segmentSize} bytes each (the last may be shorter), all to {@code to}, in as few system
     * calls as the platform allows (UDP GSO). Meant for the data path; like {@link #send} it may
     * wait briefly while the socket's buffer is full.
     */
    default void sendSegments(InetSocketAddress to, ByteBuffer datagrams, int segmentSize) {
        if (segmentSize < 1) {
            throw new IllegalArgumentException("segment size " + segmentSize);
        }
        ByteBuffer d = datagrams.duplicate();
        while (d.hasRemaining()) {
            int len = Math.min(segmentSize, d.remaining());
            send(to, d.slice(d.position(), len));
            d.position(d.position() + len);
        }
    }

    /**
     * The MTU this host knows for IP packets to {@code to} (the route's device, or a smaller path
     * MTU learned on the way), so that senders keep datagrams to it unfragmented; 0 when it is not
     * known (the default).
     *
     * @since 6.3
     */
    default int pathMtu(InetSocketAddress to) {
        return 0;
    }

    /**
     * Sends the bytes between position and limit of {@code datagram} as one IP packet that routers
     * may not fragment (IPv4's don't-fragment bit), whatever path MTU this host learned: a packet
     * too big for a link on the way is dropped there. Path MTU probes use it; the data path never
     * does. Returns false, sending nothing, when this port cannot send so (the default: a
     * transport's path, a platform without the socket option).
     *
     * @since 6.4
     */
    default boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
        return false;
    }

    /**
     * Runs {@code task} on the thread that delivers this socket's datagrams to handlers, after what
     * it is handling (at once when called on that thread): so that what a transport receives on a
     * thread of its own (a stream's) is handled in order with, never concurrently to, the rest.
     * A port without a thread of its own (a simulation's) runs it on the caller's thread.
     */
    default void execute(Runnable task) {
        task.run();
    }

    /**
     * Runs {@code whenReadable} on the thread that delivers this port's datagrams whenever the file
     * descriptor {@code fd} is readable (level-triggered: again while it stays readable), until the
     * returned handle is closed: one thread then serves this port and another device (a network's
     * TAP), and the kernel wakes no second thread for what that one reads anyway. When the port can
     * no longer do it (it closes, or the socket behind it goes), it runs {@code whenLost} once, on
     * any thread, and the caller waits for the descriptor itself again. Null when this port cannot
     * (the default). The descriptor stays the caller's: nothing here closes it.
     */
    default AutoCloseable watch(int fd, Runnable whenReadable, Runnable whenLost) {
        return null;
    }

    /**
     * Delivers received datagrams of message type {@code type} (see docs/protocol.md) to
     * {@code handler} until the returned registration is closed.
     */
    AutoCloseable register(int type, DatagramHandler handler);
}
