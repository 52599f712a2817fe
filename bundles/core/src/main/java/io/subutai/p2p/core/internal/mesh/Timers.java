package io.subutai.p2p.core.internal.mesh;

import java.util.Map;

import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.PeerId;

/**
 * The network's one tick (wireguard-go's {@code timers.go}, Nebula's {@code connection_manager.go}),
 * every {@link Timing#tick()} on the control loop, in this order: sessions that ended; then for
 * each peer its own timers (a responder's handshake never confirmed, a peer gone long enough to
 * forget, a silent one disconnected), its handshake or rekey, its keepalive, punching, and its
 * paths. A peer whose tick fails is logged and the others go on.
 */
final class Timers {

    private final Map<PeerId, Peer> peers;
    private final IndexTable table;
    private final EthernetSwitch<Peer> sw;
    private final HandshakeManager handshakes;
    private final HolePunch holePunch;
    private final Paths paths;
    private final Sender sender;
    private final ControlLoop loop;
    private final MeshLog log;
    private final long keepalive;
    private final long dead;
    private final long forget;

    Timers(Mesh.Parts parts, EthernetSwitch<Peer> sw, HandshakeManager handshakes, HolePunch holePunch, Paths paths,
            Sender sender) {
        this.peers = parts.peers();
        this.table = parts.table();
        this.sw = sw;
        this.handshakes = handshakes;
        this.holePunch = holePunch;
        this.paths = paths;
        this.sender = sender;
        this.loop = parts.config().loop();
        this.log = parts.config().log();
        Timing t = parts.config().timing();
        this.keepalive = t.keepaliveNanos();
        this.dead = t.deadNanos();
        this.forget = t.forgetNanos();
    }

    void tick() {
        long now = loop.nanoTime();
        handshakes.sweep(now);
        for (Peer p : peers.values()) {
            tick(p, now);
        }
    }

    /** One peer's timers; also right after discovery found it (its handshake starts then, not at the next tick). */
    void tick(Peer p, long now) {
        try {
            if (!liveness(p, now)) {
                return;
            }
            handshakes.tick(p, now);
            synchronized (p) {
                if (p.connected() && now - p.lastSent > keepalive) {
                    sender.keepaliveLocked(p, now);
                }
            }
            holePunch.tick(p, now);
            synchronized (p) {
                paths.tickLocked(p, now);
            }
        } catch (RuntimeException e) {
            log.warn("Peer " + p.id + ": " + e);
        }
    }

    /** The peer's own timers; false when it was forgotten. */
    private boolean liveness(Peer p, long now) {
        long wall = loop.currentTimeMillis();
        synchronized (p) {
            if (p.goneSince != 0 && now - p.goneSince > forget && !p.connected()) {
                forgetLocked(p, now, wall);
                return false;
            }
            boolean alive = p.keypairs.current() != null && now - p.lastReceived < dead;
            if (p.connected() && !alive) {
                p.changeStateLocked(PeerState.DISCONNECTED, PeerEvent.silent(dead), now, wall);
                if (p.goneSince == 0) {
                    p.goneSince = now;
                }
            }
            return true;
        }
    }

    /** Forgets {@code p} at once: its sessions end and it is no peer any more (revoked). Control loop. */
    void forget(Peer p) {
        synchronized (p) {
            forgetLocked(p, loop.nanoTime(), loop.currentTimeMillis());
        }
    }

    private void forgetLocked(Peer p, long now, long wall) {
        peers.remove(p.id, p);
        p.keypairs.clearLocked(table);
        handshakes.forget(p);
        sw.forget(p);
        p.changeStateLocked(PeerState.STOPPED, PeerEvent.REMOVED, now, wall);
    }
}
