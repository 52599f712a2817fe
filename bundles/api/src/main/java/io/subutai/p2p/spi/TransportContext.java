package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** What the engine gives a transport for one network instance. */
@ProviderType
public interface TransportContext {

    /** The network's public identifier: a keyed digest of its hash, never the hash itself (hex). */
    String networkId();

    /** This node's static public key (the peer ID derives from it). */
    byte[] staticKey();

    /** The instance's one UDP socket, shared by every datagram transport (a punched hole is its mapping). */
    DatagramPort socket();

    /** The network's control loop and clock: the transport's timers for this network run there. */
    Scheduler scheduler();

    /**
     * This node may be reached at these addresses besides its own (its handles at relays): the
     * engine tells discovery, which tells the peers. Replaces what this transport announced before.
     */
    void announce(List<InetSocketAddress> endpoints);

    /**
     * A datagram that arrived through this transport, unwrapped: the engine handles it as if it
     * came straight from {@code from} (an address this transport {@link TransportSession#route routes}).
     * Call it from one thread per network (the socket's receive thread, where the transport's own
     * datagrams arrive), so that each peer's packets keep their order; from a thread of the
     * transport's own, {@link DatagramPort#execute hand it to that thread} with a copy.
     */
    void deliver(InetSocketAddress from, ByteBuffer datagram);

    /**
     * The proxy that this network's streams go through ({@code start -proxy}: {@code
     * http://[USER:PASS@]HOST:PORT} or {@code socks5://...}); empty: the daemon's {@code
     * HTTPS_PROXY}, or none.
     */
    default String proxy() {
        return "";
    }
}
