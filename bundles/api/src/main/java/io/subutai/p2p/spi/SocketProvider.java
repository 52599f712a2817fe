package io.subutai.p2p.spi;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Opens the one UDP socket of a network instance, which every datagram transport shares (the
 * NAT mapping a hole punch opens is this socket's). Registered with {@link #PROPERTY} naming it.
 */
@ConsumerType
public interface SocketProvider {

    /** Service property: the provider's name, e.g. {@code udp}. */
    String PROPERTY = "p2p.socket";

    /**
     * Binds a socket on every local address, at a port from {@code minPort} to {@code maxPort}
     * (both 0: any free port).
     *
     * @param name names the socket's thread ({@code p2p-udp-NAME})
     * @throws IOException when no port of the range can be bound; the message says which
     */
    UdpSocket open(String name, int minPort, int maxPort) throws IOException;
}
