package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.subutai.p2p.api.PathKind;

/**
 * How the mesh sees an address of a peer: through a relay or not, of which {@link PathKind}, and
 * whether it may carry anything at all (with {@code start -fwd}, only relayed paths may).
 */
final class Routing {

    private final Routes routes;
    private final boolean relayOnly;

    Routing(Routes routes, boolean relayOnly) {
        this.routes = routes;
        this.relayOnly = relayOnly;
    }

    Routes routes() {
        return routes;
    }

    boolean relayOnly() {
        return relayOnly;
    }

    boolean relayed(InetSocketAddress a) {
        return routes.relayFor(a) != null;
    }

    /** Whether a path may carry anything: in relay-only mode, only relayed ones do. */
    boolean usable(InetSocketAddress a) {
        return !relayOnly || relayed(a);
    }

    /** What kind of path {@code a} is to {@code p}. */
    PathKind kind(Peer p, InetSocketAddress a) {
        PathKind relayed = routes.relayKind(a);
        if (relayed != null) {
            return relayed;
        }
        return Endpoints.lan(a) ? PathKind.LAN : p.candidates.own().contains(a) ? PathKind.DIRECT : PathKind.PUNCHED;
    }

    /** A path's kind as {@code show} names it: {@code lan}, {@code direct}, {@code punched}, {@code relay HOST:PORT}. */
    String describe(Peer p, InetSocketAddress a) {
        return kind(p, a).label(Endpoints.text(routes.relayFor(a)));
    }

    /** The peer's addresses that are its NAT's mapping of it: public, unrelayed, and not its own. */
    List<InetSocketAddress> mapped(Peer p) {
        List<InetSocketAddress> out = new ArrayList<>();
        Peer.Candidates c = p.candidates;
        for (InetSocketAddress a : c.all()) {
            if (!Endpoints.lan(a) && !relayed(a) && !c.own().contains(a) && !a.isUnresolved()) {
                out.add(a);
            }
        }
        return out;
    }
}
