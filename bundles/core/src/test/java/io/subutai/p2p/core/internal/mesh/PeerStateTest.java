package io.subutai.p2p.core.internal.mesh;

import static io.subutai.p2p.api.PeerState.CONNECTED;
import static io.subutai.p2p.api.PeerState.COOLDOWN;
import static io.subutai.p2p.api.PeerState.DISCONNECTED;
import static io.subutai.p2p.api.PeerState.INITIALIZING;
import static io.subutai.p2p.api.PeerState.INITIALIZING_CONNECTION;
import static io.subutai.p2p.api.PeerState.STOPPED;
import static io.subutai.p2p.api.PeerState.WAITING_CONNECTION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.HistoryEntry;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.PeerId;

/** The peer state machine: every transition it allows, that it refuses the others, and what a change does. */
class PeerStateTest {

    private final List<String> infos = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final MeshLog log = new MeshLog() {
        @Override
        public void info(String message) {
            infos.add(message);
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
        }

        @Override
        public void debug(String message) {
        }
    };

    /** What may follow what, written out; everything else is refused. */
    private static Map<PeerState, Set<PeerState>> expected() {
        Map<PeerState, Set<PeerState>> m = new EnumMap<>(PeerState.class);
        for (PeerState s : PeerState.values()) {
            m.put(s, s == STOPPED ? EnumSet.noneOf(PeerState.class) : EnumSet.of(s, STOPPED));
        }
        m.get(INITIALIZING).addAll(EnumSet.of(WAITING_CONNECTION, INITIALIZING_CONNECTION, CONNECTED));
        m.get(WAITING_CONNECTION).addAll(EnumSet.of(INITIALIZING_CONNECTION, CONNECTED));
        m.get(INITIALIZING_CONNECTION).addAll(EnumSet.of(CONNECTED, INITIALIZING));
        m.get(CONNECTED).add(DISCONNECTED);
        m.get(DISCONNECTED).addAll(EnumSet.of(INITIALIZING_CONNECTION, CONNECTED));
        return m;
    }

    @Test
    void everyPairOfStatesIsAllowedExactlyAsTheTableSays() {
        Map<PeerState, Set<PeerState>> allowed = expected();
        for (PeerState from : PeerState.values()) {
            for (PeerState to : PeerState.values()) {
                assertEquals(allowed.get(from).contains(to), Transitions.allowed(from, to), from + " -> " + to);
            }
        }
    }

    private Peer peer() {
        return new Peer(new PeerId("p"), new byte[] {2}, new byte[] {1},
                Peer.Candidates.of(List.of(new InetSocketAddress("192.0.2.1", 1)), null), 0, log);
    }

    /** Drives a peer from INITIALIZING to {@code target} along allowed transitions. */
    private static void reach(Peer p, PeerState target) {
        List<PeerState> path = switch (target) {
            case INITIALIZING -> List.of();
            case WAITING_CONNECTION -> List.of(WAITING_CONNECTION);
            case INITIALIZING_CONNECTION -> List.of(INITIALIZING_CONNECTION);
            case CONNECTED -> List.of(CONNECTED);
            case DISCONNECTED -> List.of(CONNECTED, DISCONNECTED);
            case STOPPED -> List.of(STOPPED);
            default -> null;
        };
        for (PeerState s : path) {
            assertTrue(p.changeStateLocked(s, PeerEvent.quiet("to " + s), 1, 1));
        }
    }

    @Test
    void everyAllowedTransitionOfAPeerHappensAndEveryOtherIsRefusedLeavingItsState() {
        Map<PeerState, Set<PeerState>> allowed = expected();
        for (PeerState from : List.of(INITIALIZING, WAITING_CONNECTION, INITIALIZING_CONNECTION, CONNECTED, DISCONNECTED,
                STOPPED)) {
            for (PeerState to : PeerState.values()) {
                Peer p = peer();
                reach(p, from);
                warnings.clear();
                boolean ok = p.changeStateLocked(to, PeerEvent.quiet("test"), 5, 5);
                assertEquals(allowed.get(from).contains(to), ok, from + " -> " + to);
                assertEquals(ok ? to : from, p.state(), from + " -> " + to);
                assertEquals(ok ? 0 : 1, warnings.size(), "a refused transition is logged: " + warnings);
            }
        }
    }

    @Test
    void aPeerThatConnectsIsNoLongerGoneAndOneThatDisconnectsWaitsFromThen() {
        Peer p = peer();
        p.goneSince = 3;
        assertTrue(p.changeStateLocked(CONNECTED, PeerEvent.connected(new InetSocketAddress("192.0.2.1", 1), "punched"),
                10, 1_700_000_000_000L));
        assertEquals(0, p.goneSince);
        assertTrue(p.changeStateLocked(DISCONNECTED, PeerEvent.silent(15_000_000_000L), 20, 1_700_000_001_000L));
        assertEquals(20, p.waitingSince);
        assertFalse(p.connected());
        assertEquals(List.of("Peer p: connected via 192.0.2.1:1 (punched)", "Peer p: disconnected: nothing for 15 s"), infos);
        List<HistoryEntry> h = p.history.snapshot();
        assertEquals(2, h.size());
        assertEquals("disconnected: nothing for 15 s", h.get(1).what());
        assertEquals(1_700_000_001_000L, h.get(1).at().toEpochMilli());
    }

    @Test
    void stepsAreLoggedButNotRecordedAndRepeatsAreCounted() {
        Peer p = peer();
        p.changeStateLocked(INITIALIZING_CONNECTION, PeerEvent.answered(new InetSocketAddress("192.0.2.1", 1)), 1, 1);
        assertTrue(p.history.snapshot().isEmpty(), "answering a handshake is a step, not history");
        assertTrue(infos.isEmpty());
        for (int i = 0; i < 3; i++) {
            p.note(PeerEvent.handshake(false, "1 addresses (0 lan, 1 public, 0 relayed, 0 predicted)"), 100 + i);
        }
        List<HistoryEntry> h = p.history.snapshot();
        assertEquals(1, h.size());
        assertEquals(3, h.get(0).times());
        assertEquals(102, h.get(0).at().toEpochMilli(), "the time of the last");
        assertTrue(infos.isEmpty(), "attempts are logged at debug only");
    }

    @Test
    void aForgottenPeerStaysStopped() {
        Peer p = peer();
        assertTrue(p.changeStateLocked(STOPPED, PeerEvent.REMOVED, 1, 1));
        for (PeerState s : PeerState.values()) {
            assertFalse(p.changeStateLocked(s, PeerEvent.quiet("again"), 2, 2), "STOPPED -> " + s);
        }
        assertEquals(STOPPED, p.state());
        assertFalse(Transitions.allowed(INITIALIZING, COOLDOWN), "states this engine never enters are never entered");
    }
}
