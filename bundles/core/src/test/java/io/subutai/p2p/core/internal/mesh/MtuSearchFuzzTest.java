package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * What a peer answers to path MTU probes (inner type 8: any id, any length, at any time, or
 * nothing), with ticks, ceilings and path changes in any order: the search never throws, never
 * sends a size outside floor..ceiling, and never settles on a size that no answer named.
 */
class MtuSearchFuzzTest {

    private static final InetSocketAddress[] PATHS = {new InetSocketAddress("192.0.2.1", 1), new InetSocketAddress("192.0.2.2", 2)};

    @FuzzTest(maxDuration = "5m")
    void answersFromThePeerNeverMakeTheSearchSettleOnWhatNoAnswerNamed(FuzzedDataProvider data) {
        MtuSearch s = new MtuSearch();
        SplittableRandom random = new SplittableRandom(data.consumeLong());
        List<int[]> sent = new ArrayList<>();
        java.util.Set<Integer> named = new java.util.HashSet<>();
        int[] ceiling = {Wire.MAX_DATAGRAM};
        int floor = Paths.MIN_DATAGRAM;
        long now = 0;
        InetSocketAddress path = PATHS[0];
        while (data.remainingBytes() > 0) {
            switch (data.consumeInt(0, 4)) {
                case 0 -> {
                    now += data.consumeLong(0, 700_000_000_000L);
                    int c = ceiling[0];
                    s.tick(path, c, floor, data.consumeLong(-1, 3_000_000_000L), now, random, (to, id, size) -> {
                        if (size < floor || size > c) {
                            throw new AssertionError("probed " + size + " outside " + floor + ".." + c);
                        }
                        sent.add(new int[] {id, size});
                        return true;
                    });
                }
                case 1 -> { // an answer to a probe sent, honest or with another length
                    if (!sent.isEmpty()) {
                        int[] p = sent.get(data.consumeInt(0, sent.size() - 1));
                        int size = data.consumeBoolean() ? p[1] : data.consumeInt(0, 0xffff);
                        if (s.answered(p[0], size)) {
                            named.add(size);
                        }
                    }
                }
                case 2 -> { // an answer out of nowhere
                    int size = data.consumeInt(0, 0xffff);
                    if (s.answered(data.consumeInt(), size)) {
                        named.add(size);
                    }
                }
                case 3 -> ceiling[0] = data.consumeInt(floor, Wire.MAX_DATAGRAM);
                default -> {
                    if (data.consumeBoolean()) {
                        s.abort();
                    } else {
                        path = PATHS[data.consumeInt(0, 1)];
                    }
                }
            }
            int found = s.found();
            if (found != 0 && !named.contains(found)) {
                throw new AssertionError("settled on " + found + ", which no answer named");
            }
            if (s.limit(path, ceiling[0]) > ceiling[0]) {
                throw new AssertionError("a limit above the ceiling");
            }
        }
    }
}
