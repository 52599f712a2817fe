package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;

/** A peer as data for {@code show}, {@code status} and {@code debug} (rendered elsewhere). */
final class Snapshots {

    private final Routing routing;

    Snapshots(Routing routing) {
        this.routing = routing;
    }

    PeerSnapshot of(Peer p) {
        InetSocketAddress endpoint = p.endpoint;
        boolean connected = p.connected();
        PathSnapshot path = connected && endpoint != null ? path(p, endpoint, rtt(p.paths.stats.get(endpoint))) : null;
        List<PathSnapshot> paths = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, PathStat> e : p.paths.stats.entrySet()) {
            paths.add(path(p, e.getKey(), rtt(e.getValue())));
        }
        Peer.Candidates c = p.candidates;
        List<PeerSnapshot.Candidate> candidates = new ArrayList<>();
        for (InetSocketAddress a : c.all()) {
            candidates.add(new PeerSnapshot.Candidate(Endpoints.text(a), !c.own().contains(a)));
        }
        Peer.Info info = p.info;
        Keypair current = p.keypairs.current();
        String suite = current == null || current.suite() == null ? null : current.suite().name();
        return new PeerSnapshot(p.id.value(), p.state(), info.ip(), info.mac(), Endpoints.text(endpoint), path, paths,
                candidates, p.attempts.snapshot(), p.history.snapshot(), suite, p.maxDatagram,
                probed(p));
    }

    /** What probes found, when it is what caps the peer's datagrams. */
    private static int probed(Peer p) {
        int found = p.paths.mtu.found();
        return found > 0 && found == p.maxDatagram ? found : 0;
    }

    private PathSnapshot path(Peer p, InetSocketAddress a, long rttMicros) {
        PathKind kind = routing.kind(p, a);
        InetSocketAddress relay = kind.relayed() ? routing.routes().relayFor(a) : null;
        return new PathSnapshot(Endpoints.text(a), kind, Endpoints.text(relay), rttMicros);
    }

    private static long rtt(PathStat s) {
        return s == null || s.rtt < 0 ? -1 : s.rtt / 1000;
    }
}
