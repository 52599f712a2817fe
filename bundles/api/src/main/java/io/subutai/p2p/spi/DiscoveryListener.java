package io.subutai.p2p.spi;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's ear for one network's discovery. Calls may come from any thread; the engine hands
 * each over to the network's control loop and returns at once.
 */
@ProviderType
public interface DiscoveryListener {

    /** A member was seen, or its endpoints changed. */
    void peerSeen(Sighting sighting);

    /** A member left or was forgotten by the provider (named by its static public key). */
    void peerGone(byte[] staticKey);

    /** The provider holds this overlay address for this node (a network started with {@code -ip dhcp}). */
    default void addressAssigned(io.subutai.p2p.api.Ipv4Cidr address) {
    }

    /**
     * A bootstrap server named {@code server} ({@code HOST:PORT}, as {@code -dht} gave it) showed
     * {@code key} on first contact: the engine keeps it so that the next start trusts that key
     * alone ({@code HOST:PORT@KEY}).
     */
    default void serverKeyLearned(String server, byte[] key) {
    }

    /** The provider knows these relays ("proxies"), which members of the network may use, best first. */
    default void relaysOffered(List<RelayOffer> relays) {
    }
}
