package io.subutai.p2p.spi;

/** A bound UDP socket: a {@link DatagramPort} that its owner closes. */
public interface UdpSocket extends DatagramPort, AutoCloseable {

    /** Closes the socket and stops its thread. */
    @Override
    void close();
}
