package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class HandshakeLimiterTest {

    private static InetAddress ip(int n) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, (byte) (n >> 8), (byte) n});
    }

    private static int allowed(HandshakeLimiter l, InetAddress a, int tries, long now) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (l.allow(a, now)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void oneSourceGetsItsBurstThenItsRate() throws Exception {
        HandshakeLimiter l = new HandshakeLimiter(10, 20, 1000, 1000, 0);
        assertEquals(20, allowed(l, ip(1), 1000, 0), "the burst, then nothing");
        assertEquals(5, allowed(l, ip(1), 1000, 500_000_000L), "half a second later: 5 more at 10/s");
        assertEquals(20, allowed(l, ip(2), 1000, 500_000_000L), "another source is not held back by the first");
        assertEquals(20, allowed(l, ip(1), 1000, 100_000_000_000L), "the bucket refills to its burst, no further");
    }

    @Test
    void manySourcesAreHeldToTheGlobalRate() throws Exception {
        HandshakeLimiter l = new HandshakeLimiter(10, 20, 100, 200, 0);
        int total = 0;
        for (int s = 0; s < 5000; s++) {
            total += allowed(l, ip(s), 5, 0);
        }
        assertEquals(200, total, "the global burst, though each source stayed within its own");
        assertTrue(l.allow(ip(1), 20_000_000L) || l.allow(ip(9999), 20_000_000L), "the global rate refills");
    }

    @Test
    void aSenderWithinItsRateIsNeverRefused() throws Exception {
        HandshakeLimiter l = HandshakeLimiter.standard(0);
        for (int i = 0; i < 1000; i++) {
            assertTrue(l.allow(ip(7), i * 200_000_000L), "one initiation every 200 ms");
        }
        assertFalse(allowed(l, ip(8), 100, 0) > 20, "no more than the burst at once");
    }
}
