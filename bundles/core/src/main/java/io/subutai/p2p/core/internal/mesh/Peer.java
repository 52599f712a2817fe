package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.spi.PeerId;

/**
 * One member of the network, as this node sees it (wireguard-go's {@code peer.go}). Its state
 * changes only through {@link #changeStateLocked}, which logs the change and records it in the
 * history. The peer's monitor is the lock the data path seals under: it guards the sessions
 * ({@link Keypairs}), the sending side ({@link PeerSend}), the endpoint and every change of
 * state; no Diffie-Hellman work ever runs under it.
 */
final class Peer {

    /**
     * Where discovery says the peer may be, and which of those are its own interfaces' addresses
     * (the rest are a NAT's mapping of it).
     */
    record Candidates(List<InetSocketAddress> all, Set<InetSocketAddress> own) {
        static Candidates of(List<InetSocketAddress> endpoints, InetSocketAddress reflexive) {
            // a bootstrap server lists the address it saw last, and once more among the peer's own when it has no NAT
            int n = endpoints.size();
            Set<InetSocketAddress> own = Set.copyOf(reflexive != null && n > 0 && reflexive.equals(endpoints.get(n - 1))
                    ? endpoints.subList(0, n - 1) : endpoints);
            return new Candidates(List.copyOf(new LinkedHashSet<>(endpoints)), own);
        }

        boolean contains(InetSocketAddress a) {
            return all.contains(a);
        }
    }

    /**
     * What the peer told of itself (peer info): its overlay address (as text and as an int; null
     * and 0 while untold), its MAC (as text, null while untold, and as a 48-bit long), and whether
     * it bridges ({@code -bridge}).
     */
    record Info(String ip, String mac, int address, long macValue, boolean bridge) {
        static final Info NONE = new Info(null, null, 0, 0, false);
    }

    // immutable
    final PeerId id;
    final byte[] staticKey;
    /** Whether this node starts handshakes with the peer (the side with the smaller static key does, so the two never cross). */
    final boolean weInitiate;
    private final MeshLog log;

    // the parts, each with its own rule (see each)
    final Keypairs keypairs = new Keypairs();
    final PeerSend send = new PeerSend();
    final Fragments.Reassembler reassembly = new Fragments.Reassembler();
    final PeerPaths paths = new PeerPaths();
    final PeerHandshake handshake = new PeerHandshake();
    final Attempts attempts = new Attempts();
    final PeerHistory history = new PeerHistory();

    // read by every thread
    private volatile PeerState state = PeerState.INITIALIZING; // written only by changeStateLocked
    /** Where datagrams to the peer go; written under the lock. */
    volatile InetSocketAddress endpoint;
    /** Written by the control loop (discovery's news). */
    volatile Candidates candidates;
    /** Written by the receive thread. */
    volatile Info info = Info.NONE;
    /** When the peer's last authenticated packet came. */
    volatile long lastReceived;
    /**
     * The longest datagram to send it on the path in use: {@link Wire#MAX_DATAGRAM}, or less when
     * this host knows a smaller MTU on the way (a link of 1280, say), so that nothing is
     * fragmented by IP (written on the loop, read by senders).
     */
    volatile int maxDatagram = Wire.MAX_DATAGRAM;
    /** Where its last datagram came from, and that path's kind (the receive thread's: for the traffic counters). */
    InetSocketAddress receivedFrom;
    io.subutai.p2p.api.PathKind receivedKind;
    /** Where its last datagram went, and that path's kind (under the lock: for the traffic counters). */
    InetSocketAddress sentTo;
    io.subutai.p2p.api.PathKind sentKind;
    /** When the last frame or keepalive went to it; written under the lock. */
    volatile long lastSent;
    /** When discovery said it left, or it went silent; 0 while it is there. */
    volatile long goneSince;
    /** When it last stopped being connected (or was found): handshake retries and punching count from here. */
    volatile long waitingSince;

    Peer(PeerId id, byte[] staticKey, byte[] selfKey, Candidates candidates, long now, MeshLog log) {
        this.id = id;
        this.staticKey = staticKey.clone();
        this.weInitiate = java.util.Arrays.compare(selfKey, staticKey) < 0;
        this.candidates = candidates;
        this.waitingSince = now;
        this.log = log;
    }

    PeerState state() {
        return state;
    }

    boolean connected() {
        return state == PeerState.CONNECTED;
    }

    /**
     * The one way the peer's state changes: to {@code to} because of {@code why}, which is
     * {@link #note noted} (logged, and in the history unless it is a mere step). A connected peer is
     * no longer gone; one that stops being connected, or starts over, waits from {@code now}.
     * The same state again is allowed (a rekey confirms CONNECTED) and noted as an event; a
     * transition {@link Transitions} does not allow is refused, logged, and leaves the state as it was.
     * Caller holds this peer's lock.
     *
     * @param wallMillis the wall clock, for the history
     * @return whether the state is now {@code to}
     */
    boolean changeStateLocked(PeerState to, PeerEvent why, long now, long wallMillis) {
        PeerState from = state;
        if (!Transitions.allowed(from, to)) {
            log.warn("Peer " + id + ": refused to go from " + from + " to " + to + " (" + why.text() + ")");
            return false;
        }
        state = to;
        if (to == PeerState.CONNECTED) {
            goneSince = 0;
        } else if (to != from && (to == PeerState.DISCONNECTED || to == PeerState.INITIALIZING)) {
            waitingSince = now;
        }
        note(why, wallMillis);
        return true;
    }

    /** Logs {@code what} as its weight says, and records it in the history unless it is a mere step. */
    void note(PeerEvent what, long wallMillis) {
        if (what.weight() == PeerEvent.Weight.CHANGE) {
            log.info("Peer " + id + ": " + what.text());
        } else {
            log.debug("Peer " + id + ": " + what.text());
        }
        if (what.weight() != PeerEvent.Weight.STEP) {
            history.note(what.text(), wallMillis);
        }
    }
}
