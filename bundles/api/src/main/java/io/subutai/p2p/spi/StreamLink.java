package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A link to a server over a stream ({@link Streams#open}): it connects in the background, again
 * after a failure, until closed. Thread-safe; no method blocks.
 */
@ConsumerType
public interface StreamLink extends AutoCloseable {

    /**
     * Sends one datagram (position to limit, not moved). False when it was dropped: not connected,
     * or more than the link's small send queue waits already (a stream that cannot keep up drops,
     * as a UDP socket would, rather than delay everything behind it).
     */
    boolean send(ByteBuffer datagram);

    /** Whether the link is up (connected, through its proxy, TLS and WebSocket handshakes included). */
    boolean connected();

    /** The server's address, as resolved (the address its datagrams are delivered from); null until resolved. */
    InetSocketAddress remote();

    /** One line for {@code debug}: the URL, the state, the way (wss, tcp, through which proxy), the certificate, the last error. */
    String describe();

    /** Closes the link for good: nothing is delivered after this returns. */
    @Override
    void close();
}
