package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Carries this protocol's datagrams to bootstrap and relay servers over streams (TCP, TLS,
 * WebSocket: docs/protocol.md §10), for members whose network lets no UDP out. Registered with
 * {@link #PROPERTY} naming it, by an optional module (the extras' {@code p2p-transport-tcp}).
 */
@ConsumerType
public interface Streams {

    /** Service property: the provider's name, e.g. {@code tcp}. */
    String PROPERTY = "p2p.streams";

    /**
     * A link to {@code target}, connecting in the background. What the server sends is given to
     * {@code receiver} as datagrams from {@link StreamLink#remote()}, on the link's own thread, one
     * at a time and in order.
     *
     * @throws IllegalArgumentException when the URL or the proxy is not one this provider takes;
     *                                  the message says what is wrong
     */
    StreamLink open(StreamTarget target, DatagramHandler receiver);
}
