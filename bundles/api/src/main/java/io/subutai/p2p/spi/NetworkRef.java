package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A network as discovery sees it.
 *
 * @param networkId keyed digest of the hash (never the hash)
 * @param self      this node's peer ID
 * @param staticKey this node's static public key, which providers announce
 * @param endpoints this node's endpoints (the instance socket's local addresses)
 * @param socket    the instance's UDP socket, for providers that must register from it so that
 *                  the reflexive address they learn is the one peers must use
 * @param bootstrap bootstrap servers this network was started with ({@code -dht}), HOST:PORT
 * @param address   this node's overlay address: the one it was started with, or (automatic) the
 *                  one it held before, to ask for again; null when it has none
 * @param automatic whether a provider should hand this node its address ({@code -ip dhcp})
 * @param scheduler the network's control loop and clock: a provider's timers for this network
 *                  run there, never on a thread of their own
 * @param credentials what the network's secrets and this node's static key let a provider prove:
 *                  tags on the records it publishes, checks of those it hears, keys agreed with servers
 * @param proxy     the proxy that streams to servers go through ({@code start -proxy}); empty: the
 *                  daemon's {@code HTTPS_PROXY}, or none
 */
public record NetworkRef(String networkId, PeerId self, byte[] staticKey, List<InetSocketAddress> endpoints,
        DatagramPort socket, List<String> bootstrap, io.subutai.p2p.api.Ipv4Cidr address, boolean automatic,
        Scheduler scheduler, Credentials credentials, String proxy) {

    /** A network whose streams take the daemon's default proxy. */
    public NetworkRef(String networkId, PeerId self, byte[] staticKey, List<InetSocketAddress> endpoints,
            DatagramPort socket, List<String> bootstrap, io.subutai.p2p.api.Ipv4Cidr address, boolean automatic,
            Scheduler scheduler, Credentials credentials) {
        this(networkId, self, staticKey, endpoints, socket, bootstrap, address, automatic, scheduler, credentials, "");
    }

    public NetworkRef {
        proxy = proxy == null ? "" : proxy;
        staticKey = staticKey.clone();
        endpoints = List.copyOf(endpoints);
        bootstrap = List.copyOf(bootstrap);
    }

    @Override
    public byte[] staticKey() {
        return staticKey.clone();
    }
}
