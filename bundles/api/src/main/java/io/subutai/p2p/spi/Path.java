package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

import io.subutai.p2p.api.PathKind;

/**
 * A way to a peer that a transport offers ({@link TransportSession#route}): where datagrams go on
 * the wire, and their encapsulation. The session (keys, counters) belongs to the peer, so the
 * engine switches paths without a new handshake; it measures and ranks every path itself.
 */
@ConsumerType
public interface Path {

    PathKind kind();

    /** Where datagrams go on the wire (the relay). */
    InetSocketAddress via();

    /**
     * Whether what is sent now leaves (the transport holds what this path needs: an allocation at
     * the relay, a connected stream). Of the paths transports offer for one address, the engine
     * takes a ready one; a transport announces ({@link TransportContext#announce}) whenever its
     * paths' readiness changes, and the engine asks again.
     */
    default boolean ready() {
        return true;
    }

    /** Sends one sealed datagram (position to limit). */
    void send(ByteBuffer datagram);

    /**
     * Sends one sealed datagram (position to limit) so that no router fragments it on the way to
     * where this path leads ({@link DatagramPort#sendUnfragmented}: a path MTU probe). False,
     * nothing sent, when this path cannot (the default: a stream's, where TCP cuts what it carries anyway).
     *
     * @since 6.4
     */
    default boolean sendUnfragmented(ByteBuffer datagram) {
        return false;
    }

    /** Sends consecutive sealed datagrams of {@code segmentSize} bytes (the last may be shorter). */
    default void sendSegments(ByteBuffer datagrams, int segmentSize) {
        ByteBuffer d = datagrams.duplicate();
        while (d.hasRemaining()) {
            int len = Math.min(segmentSize, d.remaining());
            send(d.slice(d.position(), len));
            d.position(d.position() + len);
        }
    }
}
