package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A network as discovery sees it.
 *
 * @param networkId keyed digest of the hash (never the hash)
 * @param self      this node's peer ID
 * @param endpoints this node's endpoints (the instance socket's local addresses)
 * @param socket    the instance's UDP socket, for providers that must register from it so that
 *                  the reflexive address they learn is the one peers must use
 */
public record NetworkRef(String networkId, PeerId self, List<InetSocketAddress> endpoints, DatagramPort socket) {

    public NetworkRef {
        endpoints = List.copyOf(endpoints);
    }
}
