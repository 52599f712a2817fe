package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Finds the other members of a network: a bootstrap server, LAN multicast, a public DHT.
 * Registered with {@link #PROPERTY} naming it. Networks are named to providers by a keyed digest
 * of the hash, never the hash.
 */
@ConsumerType
public interface DiscoveryProvider {

    /** Service property: the provider's name, e.g. {@code dht} or {@code lan}. */
    String PROPERTY = "p2p.discovery";

    default Availability availability() {
        return Availability.yes();
    }

    /**
     * Joins {@code network} and reports sightings to {@code listener} until the membership is
     * closed. Must not block; the listener may be called from the provider's own threads.
     */
    Membership join(NetworkRef network, DiscoveryListener listener);
}
