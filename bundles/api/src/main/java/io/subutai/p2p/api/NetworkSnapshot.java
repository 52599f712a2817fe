package io.subutai.p2p.api;

import java.util.List;

/**
 * One running network and its peers, at one moment.
 *
 * @param hash          the network's shared name
 * @param interfaceName its TAP interface, e.g. {@code vptp1}
 * @param mac           the interface's MAC
 * @param ip            this node's overlay IP, dotted; empty while a network started with
 *                      {@code -ip dhcp} waits for one
 * @param prefix        the overlay network's prefix length; 0 while there is no IP
 * @param peerId        this node's ID in the network; null while the network is not joined to its
 *                      peers yet (the plugins it needs are missing), and then {@code udpPort} is 0
 *                      and the lists are empty
 * @param udpPort       the UDP port of the network's socket
 * @param relayOnly     whether peers are reached through relays only ({@code -fwd})
 * @param discovery     what each discovery plugin, then each transport, says of the network, one line each, in its own words
 * @param transports    the names of the transports attached to the network
 * @param relays        the relays this node stands at: {@code RELAY_HOST:PORT/HANDLE_PORT}, or the
 *                      handle's {@code HOST:PORT} when its relay is unknown
 * @param peers         the network's other members
 * @param waiting       what the network waits for, one line each (a TAP driver to take its
 *                      interface over, a socket provider, a crypto suite), with why; empty when
 *                      nothing is missing
 */
public record NetworkSnapshot(String hash, String interfaceName, String mac, String ip, int prefix, String peerId,
        int udpPort, boolean relayOnly, List<String> discovery, List<String> transports, List<String> relays,
        List<PeerSnapshot> peers, List<String> waiting) {

    /** A network that waits for nothing. */
    public NetworkSnapshot(String hash, String interfaceName, String mac, String ip, int prefix, String peerId,
            int udpPort, boolean relayOnly, List<String> discovery, List<String> transports, List<String> relays,
            List<PeerSnapshot> peers) {
        this(hash, interfaceName, mac, ip, prefix, peerId, udpPort, relayOnly, discovery, transports, relays, peers,
                List.of());
    }

    /** The same network, waiting for these. */
    public NetworkSnapshot waitingFor(List<String> what) {
        return new NetworkSnapshot(hash, interfaceName, mac, ip, prefix, peerId, udpPort, relayOnly, discovery,
                transports, relays, peers, what);
    }

    public NetworkSnapshot {
        waiting = waiting == null ? List.of() : List.copyOf(waiting);
        discovery = List.copyOf(discovery);
        transports = List.copyOf(transports);
        relays = List.copyOf(relays);
        peers = List.copyOf(peers);
    }
}
