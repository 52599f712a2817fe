package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.core.internal.mesh.HandshakeLimiter.Verdict;

class HandshakeLimiterTest {

    private static InetAddress ip(int n) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, (byte) (n >> 8), (byte) n});
    }

    private static int read(HandshakeLimiter l, Object source, boolean proven, int tries, long now) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (l.initiation(source, proven, now) == Verdict.READ) {
                n++;
            }
        }
        return n;
    }

    @Test
    void oneProvenSourceGetsItsBurstThenItsRate() throws Exception {
        HandshakeLimiter l = new HandshakeLimiter(10, 1000, 50, 0);
        assertEquals(20, read(l, ip(1), true, 1000, 0), "the burst, then nothing");
        assertEquals(5, read(l, ip(1), true, 1000, 500_000_000L), "half a second later: 5 more at 10/s");
        assertEquals(20, read(l, ip(2), true, 1000, 500_000_000L), "another source is not held back by the first");
        assertEquals(20, read(l, ip(1), true, 1000, 100_000_000_000L), "the bucket refills to its burst, no further");
    }

    @Test
    void manyProvenSourcesAreHeldToTheirSharedRate() throws Exception {
        HandshakeLimiter l = new HandshakeLimiter(10, 100, 50, 0);
        int total = 0;
        for (int s = 0; s < 5000; s++) {
            total += read(l, ip(s), true, 5, 0);
        }
        assertEquals(200, total, "the shared burst, though each source stayed within its own");
    }

    @Test
    void whenTheUnprovenBudgetRunsDryEveryUnprovenInitiationGetsACookieForASecond() throws Exception {
        HandshakeLimiter l = new HandshakeLimiter(10, 500, 50, 0);
        int read = 0;
        for (int s = 0; s < 1000; s++) {
            read += read(l, ip(s), false, 1, 0);
        }
        assertEquals(100, read, "the unproven burst is read");
        assertTrue(l.underLoad(0));
        assertEquals(Verdict.COOKIE, l.initiation(ip(5000), false, 500_000_000L), "a new source too, while under load");
        assertEquals(Verdict.READ, l.initiation(ip(1), true, 500_000_000L), "a proven source is read meanwhile");
        assertFalse(l.underLoad(HandshakeLimiter.LOAD_NANOS + 1), "the load passes when the flood stops");
        assertEquals(Verdict.READ, l.initiation(ip(6000), false, HandshakeLimiter.LOAD_NANOS + 1));
    }

    @Test
    void aSenderWithinItsRateIsNeverRefused() throws Exception {
        HandshakeLimiter l = HandshakeLimiter.standard(0);
        for (int i = 0; i < 1000; i++) {
            assertEquals(Verdict.READ, l.initiation(ip(7), false, i * 200_000_000L), "one initiation every 200 ms");
        }
        assertFalse(read(l, ip(8), true, 100, 0) > 20, "no more than the burst at once");
    }

    @Test
    void relayedSourcesAreTheirHandlesAndIpv6SourcesTheirSlash64() throws Exception {
        InetAddress relay = ip(1);
        assertNotEquals(HandshakeLimiter.sourceOf(new InetSocketAddress(relay, 1001), true),
                HandshakeLimiter.sourceOf(new InetSocketAddress(relay, 1002), true), "two handles at one relay");
        assertEquals(HandshakeLimiter.sourceOf(new InetSocketAddress(relay, 1001), false),
                HandshakeLimiter.sourceOf(new InetSocketAddress(relay, 1002), false), "the port of a direct source does not count");
        assertEquals(HandshakeLimiter.sourceOf(new InetSocketAddress("2001:db8:1:2::1", 1), false),
                HandshakeLimiter.sourceOf(new InetSocketAddress("2001:db8:1:2:ffff::9", 1), false), "one /64");
        assertNotEquals(HandshakeLimiter.sourceOf(new InetSocketAddress("2001:db8:1:2::1", 1), false),
                HandshakeLimiter.sourceOf(new InetSocketAddress("2001:db8:1:3::1", 1), false), "another /64");
    }

    @Test
    void responsesHaveABudgetOfTheirOwn() {
        HandshakeLimiter l = new HandshakeLimiter(10, 100, 50, 0);
        int n = 0;
        for (int i = 0; i < 1000; i++) {
            if (l.response(0)) {
                n++;
            }
        }
        assertEquals(200, n);
        assertTrue(l.response(100_000_000L), "and it refills");
    }
}
