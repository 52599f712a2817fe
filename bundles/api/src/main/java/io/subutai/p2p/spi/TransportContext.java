package io.subutai.p2p.spi;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** What the engine gives a transport for one network instance. */
@ProviderType
public interface TransportContext {

    /** The network's public identifier: a keyed digest of its hash, never the hash itself. */
    String networkId();

    /** This node's peer ID. */
    PeerId self();

    /** The instance's one UDP socket, shared by every datagram transport (a punched hole is its mapping). */
    DatagramPort socket();

    /** The peers known now and the endpoints discovery reported for each. */
    List<PeerEndpoints> peers();

    /** A channel for small messages to one peer through discovery, when a provider offers one. */
    Optional<Rendezvous> rendezvous();

    /** The engine's timer wheel; tasks run on its control thread and must not block. */
    Scheduler scheduler();

    /** Offers a working path to a peer; the engine ranks it against the others. */
    void offer(Path path);

    /** Withdraws a path that no longer works. */
    void withdraw(Path path);
}
