package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the transports attached to a network add to the mesh's direct paths ({@link TransportMux}
 * in a daemon): which addresses are relayed, where a peer behind a NAT that maps every destination
 * anew may be, and opening this host's NAT.
 */
public interface Routes {

    /** The relay a datagram to {@code to} goes through; null when it goes straight there. */
    InetSocketAddress relayFor(InetSocketAddress to);

    /** The kind of the relayed path to {@code to} (RELAY or RELAY_TCP); null when it goes straight there. */
    default io.subutai.p2p.api.PathKind relayKind(InetSocketAddress to) {
        return relayFor(to) == null ? null : io.subutai.p2p.api.PathKind.RELAY;
    }

    /** Where else a peer whose NAT mapped it to {@code mapped} may be. */
    List<InetSocketAddress> guesses(List<InetSocketAddress> mapped);

    /** Opens this host's NAT toward a peer that this node waits for, at {@code targets}. */
    void open(List<InetSocketAddress> targets);

    /** No transport: every address is reached straight, nothing predicted or opened. */
    Routes NONE = new Routes() {
        @Override
        public InetSocketAddress relayFor(InetSocketAddress to) {
            return null;
        }

        @Override
        public List<InetSocketAddress> guesses(List<InetSocketAddress> mapped) {
            return List.of();
        }

        @Override
        public void open(List<InetSocketAddress> targets) {
        }
    };
}
