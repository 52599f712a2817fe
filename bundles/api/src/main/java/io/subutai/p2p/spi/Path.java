package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Where datagrams to one peer go. The session (keys, counters) belongs to the peer, so the engine
 * switches paths without a new handshake. A relay path adds its own encapsulation in {@link #send}.
 */
@ConsumerType
public interface Path {

    PeerId peer();

    PathKind kind();

    /** The address datagrams are sent to (the peer, or the relay). */
    InetSocketAddress endpoint();

    /** Round-trip time last measured, in nanoseconds, or -1 when not measured yet. */
    long rttNanos();

    /** {@link System#nanoTime()} of the last datagram that proved the path alive. */
    long lastAliveNanos();

    /** Sends one sealed datagram (position to limit) over this path. */
    void send(ByteBuffer datagram);
}
