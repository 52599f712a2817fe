package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/** One network joined through one discovery provider. */
@ConsumerType
public interface Membership extends AutoCloseable {

    /**
     * This node may also be reached at {@code endpoints} (its handles at relays, which transports
     * hold), besides its interfaces' addresses; replaces the list given before. Called on the
     * network's control loop; must not block.
     */
    void updateEndpoints(List<InetSocketAddress> endpoints);

    /**
     * This node's overlay address changed at the user's request ({@code set -ip}): it is the
     * node's own from now on (a provider that handed addresses out stops asking for one), and is
     * told as soon as the provider can. Called on the network's control loop; must not block.
     *
     * @since 6.3
     */
    default void updateAddress(io.subutai.p2p.api.Ipv4Cidr address) {
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
