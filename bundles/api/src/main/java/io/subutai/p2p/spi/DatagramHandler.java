package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives datagrams of a registered type; the buffer is valid only during the call. */
@ConsumerType
@FunctionalInterface
public interface DatagramHandler {

    void received(InetSocketAddress from, ByteBuffer datagram);
}
