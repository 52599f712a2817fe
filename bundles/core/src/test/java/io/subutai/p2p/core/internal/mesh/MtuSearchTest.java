package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The path MTU search against a path that carries datagrams up to a size, answering at once, losing some, or never. */
class MtuSearchTest {

    private static final int FLOOR = Paths.MIN_DATAGRAM;
    private static final long TICK = 200_000_000L;
    private static final InetSocketAddress PATH = new InetSocketAddress("192.0.2.7", 7000);
    private static final InetSocketAddress OTHER = new InetSocketAddress("192.0.2.8", 7000);

    /** A path: what it carries, which probes it loses, and the probes sent, answered at the next tick. */
    private static final class Path implements MtuSearch.Prober {
        int carries;
        boolean answers = true;
        boolean canProbe = true;
        SplittableRandom loss;
        double lossRate;
        /** Sizes whose next probe is lost, once each. */
        final java.util.Set<Integer> loseOnce = new java.util.HashSet<>();
        final List<int[]> pending = new ArrayList<>();
        int sent;

        Path(int carries) {
            this.carries = carries;
        }

        @Override
        public boolean probe(InetSocketAddress to, int id, int size) {
            if (!canProbe) {
                return false;
            }
            sent++;
            if (size <= carries && answers && (loss == null || loss.nextDouble() >= lossRate) && !loseOnce.remove(size)) {
                pending.add(new int[] {id, size});
            }
            return true;
        }

        void deliver(MtuSearch s) {
            for (int[] p : pending) {
                s.answered(p[0], p[1]);
            }
            pending.clear();
        }
    }

    private final SplittableRandom random = new SplittableRandom(7);
    private long now = 1_000_000_000_000L;

    /** Ticks until the search ends (at most {@code ticks}); returns the ticks it took. */
    private int run(MtuSearch s, Path p, InetSocketAddress to, int ceiling, int ticks) {
        for (int i = 0; i < ticks; i++) {
            s.tick(to, ceiling, FLOOR, 1_000_000L, now, random, p);
            p.deliver(s);
            if (!s.searching()) {
                return i;
            }
            now += TICK;
        }
        return ticks;
    }

    @Test
    void everySizeAPathCarriesIsFoundExactlyWithinEightRounds() {
        for (int carries = FLOOR; carries <= Wire.MAX_DATAGRAM; carries += 7) {
            MtuSearch s = new MtuSearch();
            Path p = new Path(carries);
            int ticks = run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
            assertFalse(s.searching(), "ended for " + carries);
            assertEquals(carries, s.found(), "found for " + carries);
            assertEquals(carries, s.limit(PATH, Wire.MAX_DATAGRAM));
            assertTrue(ticks <= 8, carries + " took " + ticks + " ticks");
            assertTrue(p.sent <= 8 * MtuSearch.PER_ROUND, carries + " took " + p.sent + " probes");
        }
    }

    @Test
    void aPathThatCarriesTheCeilingIsConfirmedInOneRound() {
        MtuSearch s = new MtuSearch();
        Path p = new Path(9000);
        assertEquals(1, run(s, p, PATH, Wire.MAX_DATAGRAM, 50), "answered at once: the next tick ends it");
        assertEquals(Wire.MAX_DATAGRAM, s.found());
        assertEquals(MtuSearch.PER_ROUND, p.sent);
    }

    @Test
    void lostProbesNeverMakeTheResultLargerThanThePathCarries() {
        for (int seed = 0; seed < 200; seed++) {
            MtuSearch s = new MtuSearch();
            Path p = new Path(1252);
            p.loss = new SplittableRandom(seed);
            p.lossRate = 0.2;
            run(s, p, PATH, Wire.MAX_DATAGRAM, 100);
            assertTrue(s.limit(PATH, Wire.MAX_DATAGRAM) <= 1252 || s.found() == 0, "seed " + seed + ": " + s.found());
        }
    }

    @Test
    void oneLostProbeCostsARoundNotASmallerResult() {
        MtuSearch s = new MtuSearch();
        Path p = new Path(9000);
        p.loseOnce.add(Wire.MAX_DATAGRAM);
        run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
        assertEquals(Wire.MAX_DATAGRAM, s.found(), "the ceiling's probe went again, and crossed");
        MtuSearch t = new MtuSearch();
        Path q = new Path(1252);
        q.loseOnce.add(1226);
        q.loseOnce.add(1252);
        run(t, q, PATH, Wire.MAX_DATAGRAM, 50);
        assertEquals(1252, t.found());
    }

    @Test
    void aRoundOutWhileThePeerIsAwayIsVoidAndTheSearchStartsAgain() {
        MtuSearch s = new MtuSearch();
        Path p = new Path(1252);
        s.tick(PATH, Wire.MAX_DATAGRAM, FLOOR, 1_000_000L, now, random, p);
        p.pending.clear(); // the peer went away: nothing comes back
        s.abort();
        now += 20_000_000_000L;
        int sent = p.sent;
        s.tick(PATH, Wire.MAX_DATAGRAM, FLOOR, 1_000_000L, now, random, p);
        assertEquals(sent + MtuSearch.PER_ROUND, p.sent, "a first round again, not the void one closed");
        p.deliver(s);
        now += TICK;
        run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
        assertEquals(1252, s.found());
    }

    @Test
    void aPeerThatAnswersNoProbeKeepsTheCeilingAndIsAskedAgainLater() {
        MtuSearch s = new MtuSearch();
        Path p = new Path(1252);
        p.answers = false;
        run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
        assertFalse(s.searching());
        assertEquals(0, s.found());
        assertEquals(Wire.MAX_DATAGRAM, s.limit(PATH, Wire.MAX_DATAGRAM), "datagrams stay as large as before");
        int before = p.sent;
        now += MtuSearch.RETRY_NANOS - 2 * TICK;
        s.tick(PATH, Wire.MAX_DATAGRAM, FLOOR, 1_000_000L, now, random, p);
        assertEquals(before, p.sent, "not before the retry");
        p.answers = true;
        now += 2 * TICK;
        run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
        assertEquals(1252, s.found(), "a peer that answers later is measured");
    }

    @Test
    void aPathThatCannotBeProbedKeepsTheCeiling() {
        MtuSearch s = new MtuSearch();
        Path p = new Path(1252);
        p.canProbe = false;
        run(s, p, PATH, Wire.MAX_DATAGRAM, 5);
        assertFalse(s.searching());
        assertEquals(Wire.MAX_DATAGRAM, s.limit(PATH, Wire.MAX_DATAGRAM));
    }

    @Test
    void theResultHoldsUntilTheNextSearchAndANewPathStartsAfresh() {
        MtuSearch s = new MtuSearch();
        Path p = new Path(1252);
        run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
        assertEquals(1252, s.found());
        // the host learned the MTU (ICMP from the probes): a search under the new ceiling keeps what was found meanwhile
        s.tick(PATH, 1252, FLOOR, 1_000_000L, now, random, p);
        assertTrue(s.searching());
        assertEquals(1252, s.limit(PATH, 1252));
        p.deliver(s);
        now += TICK;
        run(s, p, PATH, 1252, 50);
        assertEquals(1252, s.found());
        // the path grew; it is found at the next search, not before
        p.carries = 1400;
        now += MtuSearch.AGAIN_NANOS - 2 * TICK;
        s.tick(PATH, 1252, FLOOR, 1_000_000L, now, random, p);
        assertFalse(s.searching());
        now += MtuSearch.AGAIN_NANOS;
        run(s, p, PATH, Wire.MAX_DATAGRAM, 50);
        assertEquals(1400, s.found());
        // another path: nothing is assumed of it while it is searched
        p.carries = 900;
        assertEquals(Wire.MAX_DATAGRAM, s.limit(OTHER, Wire.MAX_DATAGRAM), "the old path's size is not the new one's");
        s.tick(OTHER, Wire.MAX_DATAGRAM, FLOOR, 1_000_000L, now, random, p);
        assertEquals(Wire.MAX_DATAGRAM, s.limit(OTHER, Wire.MAX_DATAGRAM));
        p.deliver(s);
        now += TICK;
        run(s, p, OTHER, Wire.MAX_DATAGRAM, 50);
        assertEquals(900, s.found());
        assertEquals(800, s.limit(OTHER, 800), "never above the host's own ceiling");
    }
}
