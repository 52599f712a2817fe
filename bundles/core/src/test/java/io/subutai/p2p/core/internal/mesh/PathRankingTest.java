package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.subutai.p2p.api.PathKind;

/** The ranking of paths, as a table: every pair of kinds at three pairs of round-trip times, and the hysteresis. */
class PathRankingTest {

    /** A path straight to the peer (whatever its kind) ranks before a relayed one, then the lower round trip. */
    @ParameterizedTest(name = "{0} at {1} ns before {2} at {3} ns: {4}")
    @CsvSource({
            "LAN     ,  5000000, LAN     ,  1000000, false",
            "LAN     ,  1000000, LAN     ,  5000000, true",
            "LAN     ,  2000000, LAN     ,  2000000, false",
            "LAN     ,  5000000, DIRECT  ,  1000000, false",
            "LAN     ,  1000000, DIRECT  ,  5000000, true",
            "LAN     ,  2000000, DIRECT  ,  2000000, false",
            "LAN     ,  5000000, PUNCHED ,  1000000, false",
            "LAN     ,  1000000, PUNCHED ,  5000000, true",
            "LAN     ,  2000000, PUNCHED ,  2000000, false",
            "LAN     ,  5000000, RELAY   ,  1000000, true",
            "LAN     ,  1000000, RELAY   ,  5000000, true",
            "LAN     ,  2000000, RELAY   ,  2000000, true",
            "DIRECT  ,  5000000, LAN     ,  1000000, false",
            "DIRECT  ,  1000000, LAN     ,  5000000, true",
            "DIRECT  ,  2000000, LAN     ,  2000000, false",
            "DIRECT  ,  5000000, DIRECT  ,  1000000, false",
            "DIRECT  ,  1000000, DIRECT  ,  5000000, true",
            "DIRECT  ,  2000000, DIRECT  ,  2000000, false",
            "DIRECT  ,  5000000, PUNCHED ,  1000000, false",
            "DIRECT  ,  1000000, PUNCHED ,  5000000, true",
            "DIRECT  ,  2000000, PUNCHED ,  2000000, false",
            "DIRECT  ,  5000000, RELAY   ,  1000000, true",
            "DIRECT  ,  1000000, RELAY   ,  5000000, true",
            "DIRECT  ,  2000000, RELAY   ,  2000000, true",
            "PUNCHED ,  5000000, LAN     ,  1000000, false",
            "PUNCHED ,  1000000, LAN     ,  5000000, true",
            "PUNCHED ,  2000000, LAN     ,  2000000, false",
            "PUNCHED ,  5000000, DIRECT  ,  1000000, false",
            "PUNCHED ,  1000000, DIRECT  ,  5000000, true",
            "PUNCHED ,  2000000, DIRECT  ,  2000000, false",
            "PUNCHED ,  5000000, PUNCHED ,  1000000, false",
            "PUNCHED ,  1000000, PUNCHED ,  5000000, true",
            "PUNCHED ,  2000000, PUNCHED ,  2000000, false",
            "PUNCHED ,  5000000, RELAY   ,  1000000, true",
            "PUNCHED ,  1000000, RELAY   ,  5000000, true",
            "PUNCHED ,  2000000, RELAY   ,  2000000, true",
            "RELAY   ,  5000000, LAN     ,  1000000, false",
            "RELAY   ,  1000000, LAN     ,  5000000, false",
            "RELAY   ,  2000000, LAN     ,  2000000, false",
            "RELAY   ,  5000000, DIRECT  ,  1000000, false",
            "RELAY   ,  1000000, DIRECT  ,  5000000, false",
            "RELAY   ,  2000000, DIRECT  ,  2000000, false",
            "RELAY   ,  5000000, PUNCHED ,  1000000, false",
            "RELAY   ,  1000000, PUNCHED ,  5000000, false",
            "RELAY   ,  2000000, PUNCHED ,  2000000, false",
            "RELAY   ,  5000000, RELAY   ,  1000000, false",
            "RELAY   ,  1000000, RELAY   ,  5000000, true",
            "RELAY   ,  2000000, RELAY   ,  2000000, false",
            // a path that crosses a TCP stream ranks after every UDP path, whatever its round trip
            "RELAY_TCP, 1000000, RELAY   ,  5000000, false",
            "RELAY   ,  5000000, RELAY_TCP, 1000000, true",
            "PUNCHED ,  9000000, RELAY_TCP,  100000, true",
            "RELAY_TCP,  100000, LAN     ,  9000000, false",
            "RELAY_TCP, 1000000, RELAY_TCP, 5000000, true",
            "RELAY_TCP, 5000000, RELAY_TCP, 1000000, false",
    })
    void ranking(PathKind kind, long rtt, PathKind than, long thanRtt, boolean better) {
        assertEquals(better, PathRanking.better(kind, rtt, than, thanRtt));
    }

    /** When traffic leaves the path in use (current kind empty: none in use). */
    @ParameterizedTest(name = "best {0} {1} ns, in use {2} {3} ns live={4}: switch {5}")
    @CsvSource({
            // nothing in use, or the one in use went silent: take the best
            "LAN,     1000000,         , -1,       false, true",
            "RELAY,   9000000, PUNCHED,  1000000,  false, true",
            // leave a relay for a direct path of any kind, even a slower one
            "LAN,     9000000, RELAY,    1000000,  true,  true",
            "DIRECT,  9000000, RELAY,    1000000,  true,  true",
            "PUNCHED, 9000000, RELAY,    1000000,  true,  true",
            // never leave a live direct path for a relay, however fast
            "RELAY,    100000, LAN,      50000000, true,  false",
            "RELAY,    100000, PUNCHED,  50000000, true,  false",
            // leave a stream for UDP, relayed or not, even a slower one; never the other way
            "RELAY,   9000000, RELAY_TCP, 1000000,  true,  true",
            "PUNCHED, 9000000, RELAY_TCP, 1000000,  true,  true",
            "RELAY_TCP, 100000, RELAY,   50000000, true,  false",
            "RELAY_TCP, 100000, DIRECT,  50000000, true,  false",
            "RELAY_TCP, 100000, RELAY,   50000000, false, true",
            // same rank: only for 20% faster ...
            "RELAY,   7000000, RELAY,    10000000, true,  true",
            "RELAY,   8100000, RELAY,    10000000, true,  false",
            "PUNCHED, 7000000, DIRECT,   10000000, true,  true",
            "LAN,     8100000, PUNCHED,  10000000, true,  false",
            // ... and at least 1 ms faster
            "PUNCHED,  300000, LAN,       1000000, true,  false",
            "PUNCHED,   50000, DIRECT,    1200000, true,  true",
            "LAN,      100000, LAN,        900000, true,  false",
            // the one in use is not measured yet (a new address the peer came from): it stays while it is
            "LAN,      100000, PUNCHED,        -1, true,  false",
            "RELAY,    100000, RELAY,          -1, true,  false",
    })
    void hysteresis(PathKind best, long bestRtt, PathKind current, long currentRtt, boolean live, boolean switches) {
        assertEquals(switches, PathRanking.switches(best, bestRtt, current, currentRtt, live));
    }
}
