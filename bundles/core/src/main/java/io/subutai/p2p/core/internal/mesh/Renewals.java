package io.subutai.p2p.core.internal.mesh;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.subutai.p2p.spi.PeerId;

/**
 * The sessions being renewed after this node's crypto suites changed: which connected peers
 * still carry traffic under a session from before, and whom to tell how it went once none does,
 * once {@link #DEADLINE_NANOS} passed (the rest renew at their next rekey), or once the mesh
 * closes. A change during a renewal carries the callbacks of the one before into its own, so
 * every change is told exactly once. The control loop's.
 */
final class Renewals {

    /** A renewal that has not completed by then is reported as it stands. */
    static final long DEADLINE_NANOS = 30_000_000_000L;

    private final Map<PeerId, Peer> peers;
    private long started;
    private int total;
    private final Set<PeerId> waiting = new HashSet<>();
    private final List<Consumer<String>> tell = new ArrayList<>();

    Renewals(Map<PeerId, Peer> peers) {
        this.peers = peers;
    }

    /** A renewal of every connected peer's session begins now; {@code done} is told how it went. */
    void start(long now, Consumer<String> done) {
        started = now;
        waiting.clear();
        for (Peer p : peers.values()) {
            if (p.connected()) {
                waiting.add(p.id);
            }
        }
        total = waiting.size();
        tell.add(done);
    }

    /** Whether the peer's session is still one from before the change. */
    boolean wants(Peer p) {
        return !tell.isEmpty() && waiting.contains(p.id);
    }

    /** The peer has a new session. */
    void renewed(Peer p, long now) {
        if (waiting.remove(p.id)) {
            check(now);
        }
    }

    /** Tells how it went when every peer has a new session (or left, or disconnected), or the deadline passed. */
    void check(long now) {
        if (tell.isEmpty()) {
            return;
        }
        waiting.removeIf(id -> peers.get(id) == null || !peers.get(id).connected());
        if (waiting.isEmpty()) {
            finish("sessions renewed: " + total + (total == 1 ? " peer" : " peers") + " in " + (now - started) / 1_000_000
                    + " ms");
        } else if (now - started > DEADLINE_NANOS) {
            finish("sessions renewed: " + (total - waiting.size()) + " of " + total + " peers in "
                    + DEADLINE_NANOS / 1_000_000_000 + " s; the others renew at their next rekey");
        }
    }

    /** The mesh closes: whoever waits is told. */
    void close() {
        finish("the network stopped");
    }

    private void finish(String outcome) {
        List<Consumer<String>> t = List.copyOf(tell);
        tell.clear();
        waiting.clear();
        for (Consumer<String> c : t) {
            c.accept(outcome);
        }
    }
}
