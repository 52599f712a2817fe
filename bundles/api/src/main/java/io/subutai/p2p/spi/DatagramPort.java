package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/** A network instance's UDP socket as transports use it. */
@ProviderType
public interface DatagramPort {

    InetSocketAddress localAddress();

    /** Sends the bytes between position and limit of {@code datagram}; does not block. */
    void send(InetSocketAddress to, ByteBuffer datagram);

    /**
     * Delivers received datagrams of message type {@code type} (see docs/protocol.md) to
     * {@code handler} until the returned registration is closed.
     */
    AutoCloseable register(int type, DatagramHandler handler);
}
