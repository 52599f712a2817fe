package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ConsumerType;

/** A bound UDP socket: a {@link DatagramPort} that its owner closes. */
@ConsumerType
public interface UdpSocket extends DatagramPort, AutoCloseable {

    /** Closes the socket and stops its thread. */
    @Override
    void close();
}
