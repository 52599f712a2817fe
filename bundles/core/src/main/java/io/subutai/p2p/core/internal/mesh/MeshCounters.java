package io.subutai.p2p.core.internal.mesh;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.subutai.p2p.api.PathKind;

/** What a network's data plane dropped, and why (any thread counts; any reads). */
final class MeshCounters {

    /** Packets refused because they did not authenticate or replayed an earlier one. */
    final AtomicLong rejected = new AtomicLong();
    /** Frames lost on the way out (a send failed, or a frame too large to fragment). */
    final AtomicLong sendFailures = new AtomicLong();
    /** Packets dropped because they were not well-formed. */
    final AtomicLong malformed = new AtomicLong();
    /** DATA packets for a session this node does not have (any more). */
    final AtomicLong unknownIndex = new AtomicLong();
    /** Fragmented frames given up on because a later frame's fragments needed the room. */
    final AtomicLong incomplete = new AtomicLong();
    /** Handshake initiations dropped unread because their source, or all sources, sent too many. */
    final AtomicLong rateLimited = new AtomicLong();
    /** Packets dropped in relay-only mode because they came straight from a peer. */
    final AtomicLong notRelayed = new AtomicLong();
    /** Frames a member sent as another: from a MAC another member holds, or ARP claiming another's overlay address. */
    final AtomicLong spoofed = new AtomicLong();
    /** What a member sent beyond its share: new peers beyond {@link Mesh#MAX_PEERS}, bridged MACs beyond the switch's room. */
    final AtomicLong overLimit = new AtomicLong();

    /** Handshake messages dropped because their mac1 was wrong: garbage, or made for another node's key (§4.6). */
    final AtomicLong badMac = new AtomicLong();
    /** COOKIE_REPLY messages sent: initiations not read because the node was under load and their source unproven. */
    final AtomicLong cookies = new AtomicLong();
    /** Handshake messages of another protocol version, dropped. */
    final AtomicLong otherVersion = new AtomicLong();

    // what rejected holds, by reason (each also counts in rejected)
    /** DATA packets that replayed an earlier one (or came older than the replay window). */
    final AtomicLong replayed = new AtomicLong();
    /** Packets that did not authenticate: DATA, handshake responses, cookie replies. */
    final AtomicLong forged = new AtomicLong();
    /** Handshake messages for a handshake this node does not have (any more). */
    final AtomicLong noHandshake = new AtomicLong();
    /** Initiations refused by the network's rules: a suite it does not accept, or no key valid now. */
    final AtomicLong refused = new AtomicLong();

    /** Initiations sent (each retry one). */
    final AtomicLong handshakesInitiated = new AtomicLong();
    /** Sessions confirmed: a response opened, or a responder's session's first packet. */
    final AtomicLong handshakesCompleted = new AtomicLong();
    /** Initiations that got no response before the next (a retry), or that the responder refused. */
    final AtomicLong handshakesFailed = new AtomicLong();
    /** Times a peer's traffic moved to another path. */
    final AtomicLong pathChanges = new AtomicLong();
    /** Frames too big for their peer's path that may not be fragmented, dropped and answered with ICMP ({@code -pmtu}). */
    final AtomicLong tooBig = new AtomicLong();
    /** Frames lost at the TAP: a read or a write that failed. */
    final AtomicLong tapErrors = new AtomicLong();
    /**
     * Datagrams and their bytes by path kind, at {@code PAD + kind * 2}: received (the receive
     * thread's) and sent (the TAP thread's), in arrays of their own with room around the counts,
     * so that the two threads never write to one cache line.
     */
    final AtomicLongArray received = new AtomicLongArray(PAD * 2 + PathKind.values().length * 2);
    final AtomicLongArray sent = new AtomicLongArray(PAD * 2 + PathKind.values().length * 2);
    static final int PAD = 8;

    void forged() {
        forged.incrementAndGet();
        rejected.incrementAndGet();
    }

    void noHandshake() {
        noHandshake.incrementAndGet();
        rejected.incrementAndGet();
    }

    void refused() {
        refused.incrementAndGet();
        rejected.incrementAndGet();
    }

    /** A datagram of {@code bytes} received (and authenticated) on a path of {@code kind}. */
    void received(PathKind kind, int bytes) {
        int at = PAD + kind.ordinal() * 2;
        received.incrementAndGet(at);
        received.addAndGet(at + 1, bytes);
    }

    /** {@code packets} datagrams of {@code bytes} in all sent on a path of {@code kind}. */
    void sent(PathKind kind, int packets, long bytes) {
        int at = PAD + kind.ordinal() * 2;
        sent.addAndGet(at, packets);
        sent.addAndGet(at + 1, bytes);
    }

    Mesh.Counters snapshot() {
        return new Mesh.Counters(rejected.get(), sendFailures.get(), malformed.get(), unknownIndex.get(),
                incomplete.get(), rateLimited.get(), notRelayed.get(), spoofed.get(), overLimit.get(), badMac.get(),
                cookies.get(), otherVersion.get());
    }
}
