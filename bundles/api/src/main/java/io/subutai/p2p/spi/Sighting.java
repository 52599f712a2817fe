package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A member of a network as a discovery provider saw it.
 *
 * @param staticKey the member's static public key (its peer ID derives from it)
 * @param endpoints where it may be reached, LAN addresses first
 * @param reflexive where a bootstrap server saw it (its NAT's mapping, or its own address when it
 *                  has no NAT), which is also among {@code endpoints}; null when no server told.
 *                  The others are the member's own interface addresses: the engine tells a
 *                  punched path from a direct one by it.
 */
public record Sighting(byte[] staticKey, List<InetSocketAddress> endpoints, InetSocketAddress reflexive) {

    public Sighting {
        staticKey = staticKey.clone();
        endpoints = List.copyOf(endpoints);
    }

    /** A member seen without a bootstrap server (on the LAN). */
    public Sighting(byte[] staticKey, List<InetSocketAddress> endpoints) {
        this(staticKey, endpoints, null);
    }

    @Override
    public byte[] staticKey() {
        return staticKey.clone();
    }
}
