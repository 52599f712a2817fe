package io.subutai.p2p.core.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.subutai.p2p.api.HistoryEntry;
import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;

/**
 * A {@link Mesh.Peer} as data: what {@code show}, {@code status} and {@code debug} report of it.
 * The one place that reads a peer's fields for them.
 */
final class PeerSnapshots {

    private PeerSnapshots() {
    }

    /**
     * @param strategies tells which addresses are relay handles (the mesh's)
     * @param now        the time now, to date the history's times of day
     */
    static PeerSnapshot of(Mesh mesh, Mesh.Peer p, Mesh.Strategies strategies, Instant now) {
        PeerState state = p.state;
        InetSocketAddress endpoint = p.endpoint;
        Set<InetSocketAddress> own = p.own;
        Map<InetSocketAddress, Long> rtts = mesh.paths(p);
        List<PathSnapshot> paths = new ArrayList<>(rtts.size());
        rtts.forEach((a, rtt) -> paths.add(path(a, rtt, own, strategies)));
        PathSnapshot path = endpoint == null || state != PeerState.CONNECTED ? null
                : path(endpoint, rtts.getOrDefault(endpoint, -1L), own, strategies);
        List<PeerSnapshot.Candidate> candidates = new ArrayList<>();
        for (InetSocketAddress c : p.candidates) {
            candidates.add(new PeerSnapshot.Candidate(NetworkInstance.endpoint(c), !own.contains(c)));
        }
        List<HistoryEntry> history = new ArrayList<>();
        synchronized (p.history) {
            for (String[] e : p.history) {
                history.add(new HistoryEntry(dated(e[0], now), e[1], Integer.parseInt(e[2])));
            }
        }
        return new PeerSnapshot(p.id.value(), state, p.overlayIp, p.overlayMac, NetworkInstance.endpoint(endpoint), path,
                paths, candidates, new PeerSnapshot.Attempts(p.handshakes, p.punchRounds, p.predictedRounds,
                        p.predictedProbeRounds), history);
    }

    /** The kind of a path, as {@link Mesh#pathOf} tells it of the path in use. */
    private static PathSnapshot path(InetSocketAddress a, long rttMicros, Set<InetSocketAddress> own,
            Mesh.Strategies strategies) {
        InetSocketAddress relay = strategies.relayFor(a);
        PathKind kind = relay != null ? PathKind.RELAY : lan(a) ? PathKind.LAN
                : own.contains(a) ? PathKind.DIRECT : PathKind.PUNCHED;
        return new PathSnapshot(NetworkInstance.endpoint(a), kind, NetworkInstance.endpoint(relay), rttMicros);
    }

    /** A private, link-local, loopback or unique-local address: the mesh's test of a LAN path. */
    private static boolean lan(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        return ip != null && (ip.isSiteLocalAddress() || ip.isLinkLocalAddress() || ip.isLoopbackAddress()
                || ip instanceof Inet6Address && (ip.getAddress()[0] & 0xfe) == 0xfc);
    }

    /**
     * The instant of a history line: the mesh keeps the UTC time of day ({@code HH:mm:ss.SSS});
     * it is the latest such instant not after {@code now} (a minute of slack for a line noted
     * while the snapshot is taken). Exact for events of the last day.
     */
    static Instant dated(String timeOfDay, Instant now) {
        Instant latest = now.plus(1, ChronoUnit.MINUTES);
        Instant at = LocalTime.parse(timeOfDay).atDate(LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1))
                .toInstant(ZoneOffset.UTC);
        while (at.isAfter(latest)) {
            at = at.minus(1, ChronoUnit.DAYS);
        }
        return at;
    }
}
