package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Where attempts to reach a peer that is not connected go, and punching (Nebula's {@code
 * punchy.go}): the side that waits for the other's handshake sends small PUNCH datagrams to every
 * address of the peer (through the transports) for its first retry interval, which opens this
 * node's NAT toward the peer, so the peer's next initiation gets through (a NAT that filters lets
 * in only what answers something sent out). The control loop's.
 */
final class HolePunch {

    /** How often the side that waits for the other's handshake sends punch packets meanwhile. */
    static final long INTERVAL_NANOS = 200_000_000L;
    /** Attempts to reach a peer that has not answered for this long add the transports' guesses... */
    static final long PREDICT_AFTER_NANOS = 1_000_000_000L;
    /** ... and stop adding them this long after the peer was first tried. */
    static final long PREDICT_UNTIL_NANOS = 10_000_000_000L;

    private final Routing routing;
    private final long retry;
    private final ControlLoop loop;

    HolePunch(Routing routing, Timing timing, ControlLoop loop) {
        this.routing = routing;
        this.retry = timing.retryNanos();
        this.loop = loop;
    }

    /** Punches toward {@code p} when it is this node's turn. */
    void tick(Peer p, long now) {
        PeerHandshake h = p.handshake;
        if (!p.connected() && !p.weInitiate && now - h.lastPunch > INTERVAL_NANOS && now - p.waitingSince < retry) {
            h.lastPunch = now;
            List<InetSocketAddress> targets = targets(p, now);
            p.attempts.punchRounds++;
            routing.routes().open(targets);
            p.note(PeerEvent.punch(describe(p, targets)), loop.currentTimeMillis());
        }
    }

    /**
     * Where handshakes and punch packets for a peer that is not connected go: its usable
     * candidates; and, from {@link #PREDICT_AFTER_NANOS} to {@link #PREDICT_UNTIL_NANOS} after it
     * was first tried, where the transports guess its NAT maps it for this node (a NAT that gives
     * each new destination the next port). A packet sent there first opens this node's NAT for the
     * peer's.
     */
    List<InetSocketAddress> targets(Peer p, long now) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : p.candidates.all()) {
            if (routing.usable(a)) {
                out.add(a);
            }
        }
        long waited = now - p.waitingSince;
        if (routing.relayOnly() || waited < PREDICT_AFTER_NANOS || waited > PREDICT_UNTIL_NANOS) {
            return out;
        }
        List<InetSocketAddress> guesses = routing.routes().guesses(routing.mapped(p));
        if (!guesses.isEmpty()) {
            p.attempts.predictedRounds++;
            out.addAll(guesses);
        }
        return out;
    }

    /** Where an attempt went, for debug: the peer's addresses by kind, and how many were guesses. */
    String describe(Peer p, List<InetSocketAddress> targets) {
        int lan = 0;
        int relayed = 0;
        int known = 0;
        int guessed = 0;
        Peer.Candidates c = p.candidates;
        for (InetSocketAddress a : targets) {
            if (!c.contains(a) && !a.equals(p.endpoint)) {
                guessed++;
            } else if (routing.relayed(a)) {
                relayed++;
            } else if (Endpoints.lan(a)) {
                lan++;
            } else {
                known++;
            }
        }
        return targets.size() + " addresses (" + lan + " lan, " + known + " public, " + relayed + " relayed, "
                + guessed + " predicted)";
    }
}
