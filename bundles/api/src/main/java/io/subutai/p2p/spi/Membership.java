package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/** One network joined through one discovery provider. */
@ConsumerType
public interface Membership extends AutoCloseable {

    /** This node's endpoints changed (new local address, new port). */
    void updateEndpoints(List<InetSocketAddress> endpoints);

    /** A channel for small messages to a peer, if this provider has one. */
    default Optional<Rendezvous> rendezvous() {
        return Optional.empty();
    }

    /** Leaves the network; other members learn it as the provider can tell them. */
    @Override
    void close();
}
