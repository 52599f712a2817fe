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

    /**
     * What this provider knows of the network, for {@code p2p debug}: a few lines without
     * indentation (servers, their last answer, this node's address as they see it).
     */
    default List<String> describe() {
        return List.of();
    }

    /** Leaves the network; other members learn it as the provider can tell them. */
    @Override
    void close();
}
