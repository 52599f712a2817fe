package io.subutai.p2p.core.internal.mesh;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.PeerId;

/**
 * Which crypto suite a handshake with a peer uses (docs/protocol.md §3.1, §4.5): the best the
 * network accepts that the peer's authenticated word allows and that it has not refused lately;
 * the suites lists in handshake payloads; refusals, given and taken, and what is said of them.
 * An unauthenticated refusal only reorders the suites for a while: when every suite was refused,
 * the best is offered again at the normal pace, so a forged refusal can never cut a pair off.
 * The control loop's.
 */
final class SuiteChoice {

    /** A refusal counts this long; then the refused suite is offered again (and the peer's authenticated word counts again). */
    static final long REFUSAL_HOLD_NANOS = 60_000_000_000L;
    /** What is said of refusals: once a minute per source address and suite, and once a second at most overall. */
    private static final long SAY_EVERY_NANOS = 60_000_000_000L;
    private static final long SAY_ANY_NANOS = 1_000_000_000L;
    private static final int SAID_MAX = 1024;

    private final Suites suites;
    /** The one suite the network accepts ({@code start -crypto}); null: any. */
    private final String required;
    private final MeshLog log;
    private final DatagramPort socket;
    private final Map<PeerId, Peer> peers;
    private final Map<String, Long> said = new HashMap<>();
    private long saidAny;

    SuiteChoice(Suites suites, String required, MeshLog log, DatagramPort socket, Map<PeerId, Peer> peers) {
        this.suites = suites;
        this.required = required;
        this.log = log;
        this.socket = socket;
        this.peers = peers;
    }

    /**
     * The suite to offer the peer: the best the network accepts that the peer did not refuse
     * within {@link #REFUSAL_HOLD_NANOS} and, once its handshake said which it accepts, one of
     * those; when there is none, the best the network accepts (tried again at the retry pace).
     * Null only when this node has no suite the network accepts.
     */
    Suites.Suite pick(Peer p, long now) {
        Suites.Suite fresh = unrefused(p, now);
        if (fresh != null) {
            return fresh;
        }
        List<Suites.Suite> allowed = suites.allowed(required);
        return allowed.isEmpty() ? null : allowed.get(0);
    }

    /** The best suite the network accepts that the peer did not refuse lately and may accept; null: none. */
    Suites.Suite unrefused(Peer p, long now) {
        PeerHandshake h = p.handshake;
        if (h.refusedAt != 0 && now - h.refusedAt > REFUSAL_HOLD_NANOS) {
            h.refused.clear();
            h.refusedAt = 0;
        }
        for (Suites.Suite s : suites.allowed(required)) {
            if (!h.refused.get(s.id()) && (h.remoteSuites == null || contains(h.remoteSuites, s.id()))) {
                return s;
            }
        }
        return null;
    }

    /** Whether both sides accept a better suite than the one that made {@code current}. */
    boolean upgradable(Peer p, Keypair current, long now) {
        Suites.Suite best = unrefused(p, now);
        return best != null && current.suite() != null && rank(best) < rank(current.suite());
    }

    /** The position of {@code s} among the suites the network accepts, best first (Integer.MAX_VALUE: not there). */
    int rank(Suites.Suite s) {
        List<Suites.Suite> allowed = suites.allowed(required);
        for (int i = 0; i < allowed.size(); i++) {
            if (allowed.get(i).id() == s.id()) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }

    /** The suite an initiation names, when this node has it and the network accepts it; else null ({@link #refusal} says why). */
    Suites.Suite forInitiation(int id) {
        Suites.Suite s = suites.byId(id);
        return s == null || required != null && !s.name().equals(required) ? null : s;
    }

    /** Why an initiation with suite {@code id} is refused: {@link Wire#REFUSED_UNAVAILABLE} or {@link Wire#REFUSED_POLICY}. */
    private int refusal(int id) {
        return suites.byId(id) == null ? Wire.REFUSED_UNAVAILABLE : Wire.REFUSED_POLICY;
    }

    /** The suites the network accepts, as a payload: a count and their numbers, best first. */
    ByteBuffer payload(ByteBuffer out) {
        int[] ids = suites.ids(required);
        out.put((byte) ids.length);
        for (int id : ids) {
            out.put((byte) id);
        }
        return out;
    }

    static int[] read(ByteBuffer payload) throws GeneralSecurityException {
        if (!payload.hasRemaining()) {
            throw new GeneralSecurityException("handshake without the suites of its sender");
        }
        int n = payload.get() & 0xff;
        if (payload.remaining() < n) {
            throw new GeneralSecurityException("handshake with a cut list of suites");
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = payload.get() & 0xff;
        }
        return ids;
    }

    /** The peer said, authenticated, which suites its network accepts: refusals older than the hold that it contradicts are forgotten. */
    void learn(Peer p, int[] ids, long now) {
        PeerHandshake h = p.handshake;
        h.remoteSuites = ids;
        if (h.refusedAt == 0 || now - h.refusedAt > REFUSAL_HOLD_NANOS) {
            for (int id : ids) {
                h.refused.clear(id);
            }
        }
    }

    /** Forgets what peers said and refused: this node's suites changed, and theirs may have. */
    void reset(Iterable<Peer> peers) {
        for (Peer p : peers) {
            p.handshake.refused.clear();
            p.handshake.refusedAt = 0;
            p.handshake.remoteSuites = null;
        }
    }

    /**
     * This node will not answer an initiation from {@code from} with suite {@code id}: it says so
     * in the log (within the limits) and, when {@code from} is where a known peer is or may be, to
     * the initiator (HANDSHAKE_REFUSED); a stranger's probe learns nothing of the suites.
     */
    void refuse(InetSocketAddress from, int senderIndex, int id, long now) {
        int reason = refusal(id);
        sayRefusal(from, id, reason, now);
        if (!knownAddress(from)) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate(Wire.REFUSED_MAX);
        Wire.header(out, Wire.HANDSHAKE_REFUSED);
        out.putInt(senderIndex).put((byte) reason);
        payload(out);
        socket.send(from, out.flip());
    }

    /** Whether {@code from} is where a known peer is, or may be. */
    private boolean knownAddress(InetSocketAddress from) {
        for (Peer p : peers.values()) {
            if (from.equals(p.endpoint) || p.candidates.contains(from)) {
                return true;
            }
        }
        return false;
    }

    /** Logs, within the limits, that this node refused an initiation with suite {@code id} from {@code from}. */
    private void sayRefusal(InetSocketAddress from, int id, int reason, long now) {
        String why = reason == Wire.REFUSED_UNAVAILABLE
                ? "this node lacks that suite (install feature p2p-crypto-pq for " + Suites.PQ + ")"
                : "this network accepts " + required + " only (-crypto)";
        InetAddress host = from.getAddress();
        say((host == null ? from.getHostString() : host.getHostAddress()) + "/" + id, now,
                "Refused a handshake from " + Endpoints.text(from) + " with suite " + Suites.name(id) + ": " + why);
    }

    /**
     * The peer refused this node's initiation with {@code s}: it is not offered again for a while,
     * which the peer's history and the log say (once per hold).
     *
     * @return whether another suite may be tried at once
     */
    boolean refusedBy(Peer p, Suites.Suite s, int reason, int[] accepted, InetSocketAddress from, long now, long wall) {
        PeerHandshake h = p.handshake;
        boolean news = h.refusedAt == 0 || !h.refused.get(s.id());
        h.refused.set(s.id());
        h.refusedAt = now;
        if (news) {
            String why = reason == Wire.REFUSED_POLICY ? "its network accepts " + Suites.names(accepted) + " only"
                    : "it lacks that suite; it has " + Suites.names(accepted);
            p.note(PeerEvent.of("refused suite " + s.name() + " (" + Endpoints.text(from) + "): " + why), wall);
        }
        if (unrefused(p, now) != null) {
            return true;
        }
        noSuite(p);
        return false;
    }

    /** Says once, until the peer connects again, that no suite both sides accept is known. */
    void noSuite(Peer p) {
        if (!p.handshake.noSuiteSaid) {
            p.handshake.noSuiteSaid = true;
            log.warn("Peer " + p.id + ": no crypto suite in common: this network accepts "
                    + Suites.names(suites.ids(required)) + (required != null ? " (-crypto)" : "")
                    + (p.handshake.remoteSuites != null ? "; the peer accepts " + Suites.names(p.handshake.remoteSuites)
                    : "; the peer refused them"));
        }
    }

    private void say(String key, long now, String message) {
        Long last = said.get(key);
        if (last != null && now - last <= SAY_EVERY_NANOS || saidAny != 0 && now - saidAny <= SAY_ANY_NANOS) {
            return;
        }
        if (said.size() >= SAID_MAX) {
            said.clear();
        }
        said.put(key, now);
        saidAny = now;
        log.warn(message);
    }
}
