package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** The engine's ear for one network's discovery. Calls may come from any thread. */
@ProviderType
public interface DiscoveryListener {

    /**
     * A member was seen, or its endpoints changed.
     *
     * @param staticKey the member's static public key (its peer ID derives from it)
     * @param endpoints where it may be reached, LAN addresses first
     */
    void peerSeen(byte[] staticKey, List<InetSocketAddress> endpoints);

    /**
     * A member was seen, with the address a bootstrap server saw it at (its NAT's mapping, or its
     * own address when it has no NAT), which is also among {@code endpoints}. The others are the
     * member's own interface addresses. The engine tells a punched path from a direct one by it.
     */
    default void peerSeen(byte[] staticKey, List<InetSocketAddress> endpoints, InetSocketAddress reflexive) {
        peerSeen(staticKey, endpoints);
    }

    /** A member left or was forgotten by the provider (named by its static public key). */
    void peerGone(byte[] staticKey);

    /** The provider learned this node's address as seen from outside (reflexive address). */
    default void reflexiveAddress(InetSocketAddress address) {
    }

    /** The provider holds this overlay address for this node (a network started with {@code -ip dhcp}). */
    default void addressAssigned(io.subutai.p2p.api.Ipv4Cidr address) {
    }

    /** The provider knows these relays ("proxies"), which members of the network may use. */
    default void relaysOffered(List<InetSocketAddress> relays) {
    }

    /** A rendezvous message from {@code peer}. */
    default void rendezvous(PeerId peer, byte[] message) {
    }
}
