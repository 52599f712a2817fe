package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A peer's ways: every address it was reached at or heard from, with what probing found, and when probing last ran. */
final class PeerPaths {

    /** At most this many addresses are kept per peer: what an attacker on the path replays from new sources cannot grow it. */
    static final int MAX = 32;

    final Map<InetSocketAddress, PathStat> stats = new ConcurrentHashMap<>();
    /** When every path was last probed; 0: at the next tick. Under the peer's lock. */
    long lastRound;
    /** When the path in use alone was last probed. Under the peer's lock. */
    long lastCurrent;
    /** The path whose MTU {@link Peer#maxDatagram} follows, and when it was last asked. Under the peer's lock. */
    java.net.InetSocketAddress mtuOf;
    long mtuAsked;
    /** The most this host knows the path {@link #mtuOf} to carry (its route's MTU, or one ICMP taught it), less IP and UDP headers. */
    int ceiling = Wire.MAX_DATAGRAM;
    /** What probes found the path in use to carry. Under the peer's lock. */
    final MtuSearch mtu = new MtuSearch();
}
