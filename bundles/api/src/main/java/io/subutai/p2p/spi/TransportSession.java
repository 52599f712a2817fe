package io.subutai.p2p.spi;

import java.net.InetSocketAddress;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A transport's work for one network instance. The engine keeps the peers, their sessions and
 * the choice of path; a transport adds ways to reach them, and never sees plaintext or keys:
 * what it is given to send is sealed already. {@link #route}, {@link #guesses} and {@link #open}
 * are called from the data path's threads (the TAP thread, the socket's receive thread) and the
 * network's control loop; {@link #describe} from any thread; {@link #relaysOffered} from the control loop (and once, when relays are
 * known already, from the thread that attaches it, before any route is asked of it); {@link
 * #close} from the engine's thread that stops the network or unbinds the transport: a session
 * must be thread-safe, and no method may block.
 */
@ConsumerType
public interface TransportSession extends AutoCloseable {

    /** The relays ("proxies") discovery knows for this network, best first. */
    default void relaysOffered(List<RelayOffer> relays) {
    }

    /**
     * How datagrams to {@code to} go when this transport carries them (a peer's handle at a relay
     * it uses); null when it does not. The engine remembers the answer for each address until it
     * next calls {@link #relaysOffered}, so the answer must depend on nothing else.
     */
    default Path route(InetSocketAddress to) {
        return null;
    }

    /**
     * Where else a peer may be, given the addresses its NAT was seen to map it to ({@code mapped}):
     * the ports a NAT that maps each destination anew would give it next. The engine sends its
     * handshakes and probes there too, for a while, when nothing else answered.
     */
    default List<InetSocketAddress> guesses(List<InetSocketAddress> mapped) {
        return List.of();
    }

    /**
     * This node waits for a peer's handshake, which the peer sends to this node from {@code
     * targets}' side: open this host's NAT toward them (a NAT that filters lets in only what
     * answers something sent out).
     */
    default void open(List<InetSocketAddress> targets) {
    }

    /** Lines for {@code debug}: what this transport holds for the network (its links, say) and how they are. */
    default List<String> describe() {
        return List.of();
    }

    /** Stops all work for the instance. */
    @Override
    void close();
}
