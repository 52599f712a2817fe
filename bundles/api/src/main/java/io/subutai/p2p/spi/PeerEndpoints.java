package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A peer and the endpoints it may be reached at, LAN addresses first.
 *
 * @param peer      the peer
 * @param endpoints where discovery says it listens
 */
public record PeerEndpoints(PeerId peer, List<InetSocketAddress> endpoints) {

    public PeerEndpoints {
        endpoints = List.copyOf(endpoints);
    }
}
