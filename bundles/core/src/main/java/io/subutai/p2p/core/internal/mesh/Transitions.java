package io.subutai.p2p.core.internal.mesh;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import io.subutai.p2p.api.PeerState;

/**
 * The peer state machine: which state may follow which. A state may always be entered again (a
 * rekey confirms CONNECTED), STOPPED (a forgotten peer) follows any state and is followed by none,
 * and the original's states that this engine never enters (WAITING_IP, the proxy states,
 * COOLDOWN, UNKNOWN) follow none.
 *
 * <pre>
 * INITIALIZING            -> WAITING_CONNECTION (handshake sent), INITIALIZING_CONNECTION (answered one),
 *                            CONNECTED (a late first packet of a session answered before)
 * WAITING_CONNECTION      -> INITIALIZING_CONNECTION, CONNECTED
 * INITIALIZING_CONNECTION -> CONNECTED, INITIALIZING (the initiator never confirmed)
 * CONNECTED               -> DISCONNECTED (silent, or its session ended)
 * DISCONNECTED            -> INITIALIZING_CONNECTION, CONNECTED
 * </pre>
 */
final class Transitions {

    private static final Map<PeerState, Set<PeerState>> NEXT = new EnumMap<>(PeerState.class);

    static {
        for (PeerState s : PeerState.values()) {
            NEXT.put(s, EnumSet.noneOf(PeerState.class));
        }
        NEXT.get(PeerState.INITIALIZING).addAll(EnumSet.of(PeerState.WAITING_CONNECTION,
                PeerState.INITIALIZING_CONNECTION, PeerState.CONNECTED));
        NEXT.get(PeerState.WAITING_CONNECTION).addAll(EnumSet.of(PeerState.INITIALIZING_CONNECTION, PeerState.CONNECTED));
        NEXT.get(PeerState.INITIALIZING_CONNECTION).addAll(EnumSet.of(PeerState.CONNECTED, PeerState.INITIALIZING));
        NEXT.get(PeerState.CONNECTED).add(PeerState.DISCONNECTED);
        NEXT.get(PeerState.DISCONNECTED).addAll(EnumSet.of(PeerState.INITIALIZING_CONNECTION, PeerState.CONNECTED));
    }

    private Transitions() {
    }

    static boolean allowed(PeerState from, PeerState to) {
        if (from == PeerState.STOPPED) {
            return false;
        }
        return to == PeerState.STOPPED || from == to || NEXT.get(from).contains(to);
    }
}
