package io.subutai.p2p.spi;

import java.io.IOException;
import java.net.InetAddress;

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

    /**
     * Binds a socket on {@code address} alone, at any free port: for the daemon's own use on the
     * loopback interface (the data path's warm-up), which no other host may reach.
     *
     * @param name names the socket's thread ({@code p2p-udp-NAME})
     * @throws IOException when it cannot be bound; the default, which binds no single address, always
     */
    default UdpSocket openOn(String name, InetAddress address) throws IOException {
        throw new IOException("the socket provider binds every local address only");
    }
}
