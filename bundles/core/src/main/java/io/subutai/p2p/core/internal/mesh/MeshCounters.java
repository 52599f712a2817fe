package io.subutai.p2p.core.internal.mesh;

import java.util.concurrent.atomic.AtomicLong;

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

    Mesh.Counters snapshot() {
        return new Mesh.Counters(rejected.get(), sendFailures.get(), malformed.get(), unknownIndex.get(),
                incomplete.get(), rateLimited.get(), notRelayed.get(), spoofed.get(), overLimit.get(), badMac.get(),
                cookies.get(), otherVersion.get());
    }
}
