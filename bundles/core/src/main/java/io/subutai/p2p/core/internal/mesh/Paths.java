package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.subutai.p2p.api.PathKind;

/**
 * The direct strategy (magicsock's {@code endpoint.go}): sealed probes to every address a peer is
 * known by measure each path's round-trip time; the best live path, as {@link PathRanking} ranks
 * them, carries the traffic. A path counts as live when a probe on it was answered within the
 * dead interval and no probe on it has gone unanswered for the fail-over time; the path in use is
 * probed every third of that, so a path that dies is left within seconds and not taken back
 * before it answers again. Probing runs on the control loop under the peer's lock (probes are
 * sealed); answers and new source addresses come from the receive thread.
 */
final class Paths {

    /** Probe rounds of a peer on a relay that also try its predicted ports. */
    static final int PREDICTED_PROBE_ROUNDS = 4;

    private final Routing routing;
    /** The shortest datagram a path is given: what IPv4's least MTU (576) carries. */
    static final int MIN_DATAGRAM = 576 - 28;
    /** The shortest datagram an IPv6 path is searched down to: what its least MTU (1280) carries. */
    static final int MIN_DATAGRAM_V6 = 1280 - 48;

    private final Sender sender;
    private final MeshCounters counters;
    /** Asked what MTU this host knows toward a path. */
    private final io.subutai.p2p.spi.DatagramPort socket;
    private final RandomGenerator random;
    private final ControlLoop loop;
    private final long keepalive;
    private final long dead;
    private final long forget;
    private final long failover;

    Paths(Routing routing, Sender sender, MeshCounters counters, io.subutai.p2p.spi.DatagramPort socket, RandomGenerator random,
            ControlLoop loop, Timing timing) {
        this.socket = socket;
        this.routing = routing;
        this.counters = counters;
        this.sender = sender;
        this.random = random;
        this.loop = loop;
        this.keepalive = timing.keepaliveNanos();
        this.dead = timing.deadNanos();
        this.forget = timing.forgetNanos();
        this.failover = timing.failoverNanos();
    }

    /**
     * Forgets addresses the peer left long ago; while it is connected, chooses the path and probes
     * (every path each keepalive interval, the one in use in between). Caller holds p.
     */
    void tickLocked(Peer p, long now) {
        PeerPaths pp = p.paths;
        Peer.Candidates c = p.candidates;
        pp.stats.entrySet().removeIf(e -> now - e.getValue().lastHeard > forget && !c.contains(e.getKey())
                && !e.getKey().equals(p.endpoint));
        if (p.connected() && p.keypairs.current() != null) {
            chooseLocked(p, now);
            InetSocketAddress e = p.endpoint;
            if (e != null && (e != pp.mtuOf || now - pp.mtuAsked > MtuSearch.AGAIN_NANOS)) { // probes follow it between
                pp.mtuOf = e;
                pp.mtuAsked = now;
                pp.ceiling = maxDatagram(p, e);
            }
            PathStat s = e == null ? null : pp.stats.get(e);
            if (s != null && s.rtt >= 0) { // searched once a probe measured it: not in the handshakes' last moments
                pp.mtu.tick(e, pp.ceiling, floor(e), s.rtt, now, random,
                        (to, id, size) -> sender.mtuProbeLocked(p, to, id, size));
            }
            p.maxDatagram = e == null ? pp.ceiling : pp.mtu.limit(e, pp.ceiling);
            if (pp.lastRound == 0 || now - pp.lastRound > keepalive) {
                probeAllLocked(p, now);
            } else if (now - pp.lastCurrent >= failover / 3) {
                probeCurrentLocked(p, now);
            }
        } else {
            pp.lastRound = 0; // probe again as soon as it connects
            pp.mtu.abort(); // and search again then: what a round out now gets back says nothing
        }
    }

    /**
     * The longest datagram that crosses the path {@code to} unfragmented as far as this host
     * knows: {@link Wire#MAX_DATAGRAM}, or the MTU toward it (its link's, or a smaller one learned
     * from ICMP) less the IP and UDP headers, at least {@link #MIN_DATAGRAM}. A relay's path starts
     * from the protocol's size (the relay's own links are not known here; probes through it find them).
     */
    private int maxDatagram(Peer p, InetSocketAddress to) {
        int mtu = routing.kind(p, to).relayed() ? 0 : socket.pathMtu(to);
        if (mtu <= 0) {
            return Wire.MAX_DATAGRAM;
        }
        int headers = to.getAddress() instanceof java.net.Inet4Address ? 28 : 48;
        return Math.max(MIN_DATAGRAM, Math.min(Wire.MAX_DATAGRAM, mtu - headers));
    }

    /** The least datagram a search tries toward {@code to}: what IPv4's 576 carries, or IPv6's 1280 (RFC 8899's BASE_PLPMTU). */
    private static int floor(InetSocketAddress to) {
        return to.getAddress() instanceof java.net.Inet6Address ? MIN_DATAGRAM_V6 : MIN_DATAGRAM;
    }

    /** Probes every address the peer is known by, its LAN addresses first; on a relay, its predicted ports too. */
    private void probeAllLocked(Peer p, long now) {
        p.paths.lastRound = now;
        List<InetSocketAddress> order = new ArrayList<>(p.candidates.all());
        for (InetSocketAddress a : p.paths.stats.keySet()) {
            if (!order.contains(a)) {
                order.add(a);
            }
        }
        order.removeIf(a -> !routing.usable(a));
        order.sort(Comparator.comparing(a -> Endpoints.lan(a) ? 0 : 1));
        for (InetSocketAddress to : order) {
            probeLocked(p, to, p.paths.stats.computeIfAbsent(to, k -> new PathStat()), now);
        }
        InetSocketAddress current = p.endpoint;
        if (!routing.relayOnly() && current != null && routing.relayed(current)
                && p.attempts.predictedProbeRounds < PREDICTED_PROBE_ROUNDS) {
            // on a relay: the peer's NAT may map each destination anew, so probe where the
            // transports guess it does; the peer answers from there, and an address that answers is adopted
            List<InetSocketAddress> guesses = routing.routes().guesses(routing.mapped(p));
            if (!guesses.isEmpty()) {
                p.attempts.predictedProbeRounds++;
            }
            for (InetSocketAddress to : guesses) {
                probeLocked(p, to, null, now);
            }
        }
    }

    /** Probes the path in use alone. */
    private void probeCurrentLocked(Peer p, long now) {
        p.paths.lastCurrent = now;
        InetSocketAddress to = p.endpoint;
        PathStat path = to == null ? null : p.paths.stats.get(to);
        if (path != null) {
            probeLocked(p, to, path, now);
        }
    }

    /** Sends a probe by {@code to}; its answer measures {@code path} (null: an untracked guess). */
    private void probeLocked(Peer p, InetSocketAddress to, PathStat path, long now) {
        int id = random.nextInt();
        if (path != null) {
            path.probed(id, now);
        }
        sender.plainLocked(p).put((byte) Wire.INNER_PROBE).putInt(id).flip();
        sender.controlLocked(p, to);
    }

    /** The peer answered probe {@code id}: the path it went by is measured. The receive thread's. */
    void answered(Peer p, int id, long now) {
        for (PathStat path : p.paths.stats.values()) {
            path.answered(id, now);
        }
    }

    /** The peer answered MTU probe {@code id}, having received {@code size} bytes. The receive thread's. */
    void mtuAnswered(Peer p, int id, int size) {
        synchronized (p) {
            p.paths.mtu.answered(id, size);
        }
    }

    /**
     * Moves the traffic to the best live path when {@link PathRanking#switches} says so, and
     * tells the log and the peer's history.
     */
    private void chooseLocked(Peer p, long now) {
        InetSocketAddress current = p.endpoint;
        InetSocketAddress best = null;
        PathStat bestStat = null;
        PathKind bestKind = null;
        for (Map.Entry<InetSocketAddress, PathStat> e : p.paths.stats.entrySet()) {
            PathStat s = e.getValue();
            InetSocketAddress a = e.getKey();
            if (s.live(now, dead, failover) && routing.usable(a)) {
                PathKind kind = routing.kind(p, a);
                if (best == null || PathRanking.better(kind, s.rtt, bestKind, bestStat.rtt)) {
                    best = a;
                    bestStat = s;
                    bestKind = kind;
                }
            }
        }
        if (best == null || best.equals(current)) {
            return;
        }
        PathStat cur = current == null ? null : p.paths.stats.get(current);
        // one in use but not measured yet (a new address the peer came from) is kept while it is being measured
        boolean currentLive = cur != null && cur.heard(now, dead, failover) && routing.usable(current);
        if (PathRanking.switches(bestKind, bestStat.rtt, current == null ? null : routing.kind(p, current),
                cur == null ? -1 : cur.rtt, currentLive)) {
            p.endpoint = best;
            p.paths.lastCurrent = 0;
            if (current != null) {
                counters.pathChanges.incrementAndGet();
            }
            p.note(PeerEvent.path(best, routing.describe(p, best), bestStat.rtt, current, currentLive),
                    loop.currentTimeMillis());
        }
    }

    /**
     * An authenticated packet of {@code p} came from an address never seen (the first, or the
     * peer's NAT mapped it anew): it is probed at once, and becomes the path in use only when that
     * probe is answered and {@link #chooseLocked} prefers it (the path in use went silent, or the
     * new one ranks better): a fresh packet replayed from another address moves nothing (docs/
     * protocol.md §5.2). A relayed address is tracked only when discovery announced it (a relay
     * names the sender's handle). The receive thread's; it takes the peer's lock.
     */
    void adopt(Peer p, InetSocketAddress from, long now) {
        PathKind kind = routing.kind(p, from);
        synchronized (p) {
            Map<InetSocketAddress, PathStat> stats = p.paths.stats;
            if (stats.containsKey(from) || stats.size() >= PeerPaths.MAX
                    || kind.relayed() && !p.candidates.contains(from)) {
                return;
            }
            PathStat heard = new PathStat();
            heard.lastHeard = now;
            stats.put(from, heard);
            if (p.endpoint == null) {
                p.endpoint = from; // the first path of all: the packet that confirmed the session came by it
            } else if (p.keypairs.current() != null) {
                // a packet may be a replay raced from elsewhere: the path is taken only once a
                // probe sent by it is answered (chooseLocked), and it is probed now
                probeLocked(p, from, heard, now);
            }
            p.paths.lastRound = 0;
        }
    }
}
