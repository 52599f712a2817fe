package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class IndexTableTest {

    private static Keypair session(int index, long created) {
        return new Keypair(null, null, index, ~index, created, 0, null);
    }

    private static PendingHandshake handshake(int index, long created) {
        return new PendingHandshake(null, null, index, 0, created, null, null);
    }

    @Test
    void sessionsAndPendingHandshakesAreFoundByTheirIndexAndNothingElseIs() {
        IndexTable t = new IndexTable();
        Keypair k = session(7, 0);
        PendingHandshake h = handshake(-9, 0);
        t.put(k);
        t.put(h);
        assertSame(k, t.get(7));
        assertSame(h, t.get(-9));
        assertNull(t.get(8));
        assertNull(t.get(0));
        assertEquals(2, t.size());
    }

    @Test
    void thousandsOfIndexesThatCollideAreAllFoundAndRemovedOneByOne() {
        IndexTable t = new IndexTable();
        Map<Integer, IndexEntry> all = new HashMap<>();
        Random r = new Random(5);
        // multiples of a large power of two share their low bits, the worst case for a table that masks
        for (int i = 1; i <= 2000; i++) {
            int index = i % 2 == 0 ? i << 16 : r.nextInt();
            IndexEntry e = i % 3 == 0 ? handshake(index, i) : session(index, i);
            all.put(index, e);
            t.put(e);
        }
        assertEquals(all.size(), t.size());
        all.forEach((index, e) -> assertSame(e, t.get(index), "index " + index));
        List<Integer> removed = new ArrayList<>();
        for (Map.Entry<Integer, IndexEntry> e : all.entrySet()) {
            if (removed.size() < all.size() / 2) {
                assertTrue(t.remove(e.getValue()));
                assertFalse(t.remove(e.getValue()), "once");
                removed.add(e.getKey());
            }
        }
        for (int index : removed) {
            assertNull(t.get(index));
            all.remove(index);
        }
        all.forEach((index, e) -> assertSame(e, t.get(index), "still there past the removed ones: " + index));
        assertEquals(all.size(), t.size());
    }

    @Test
    void removingAnEntryThatWasReplacedLeavesTheNewOne() {
        IndexTable t = new IndexTable();
        Keypair old = session(42, 0);
        t.put(old);
        Keypair moved = session(42, 1);
        t.put(moved); // the same index, another session (an unknown node's, moved to the peer discovery found)
        assertSame(moved, t.get(42));
        assertEquals(1, t.size());
        assertFalse(t.remove(old), "the old one is not there any more");
        assertSame(moved, t.get(42));
    }

    @Test
    void expiredEntriesGoAndTheOthersStay() {
        IndexTable t = new IndexTable();
        for (int i = 1; i <= 100; i++) {
            t.put(i % 2 == 0 ? session(i, i) : handshake(i, i));
        }
        // as the tick sweeps: every entry looked at while some are removed
        int[] removed = new int[1];
        t.forEach(e -> {
            if (e instanceof Keypair && e.created() <= 50 && t.remove(e)) {
                removed[0]++;
            }
        });
        assertEquals(25, removed[0], "the sessions made before 51");
        for (int i = 1; i <= 100; i++) {
            boolean gone = i % 2 == 0 && i <= 50;
            assertEquals(gone, t.get(i) == null, "index " + i);
        }
        Set<Integer> seen = new HashSet<>();
        t.forEach(e -> seen.add(e.localIndex()));
        assertEquals(75, seen.size());
        assertEquals(75, t.size());
    }

    @Test
    void newIndexesAreNeverZeroAndNeverInUse() {
        IndexTable t = new IndexTable();
        t.put(session(1, 0));
        t.put(session(2, 0));
        int[] draws = {0, 1, 2, 0, 3};
        RandomGenerator scripted = new RandomGenerator() {
            int n;

            @Override
            public long nextLong() {
                return draws[n++];
            }

            @Override
            public int nextInt() {
                return draws[n++];
            }
        };
        assertEquals(3, t.newIndex(scripted));
        RandomGenerator random = new Random(9);
        for (int i = 0; i < 1000; i++) {
            int index = t.newIndex(random);
            assertNotEquals(0, index);
            assertNull(t.get(index));
            t.put(session(index, 0));
        }
        assertEquals(1002, t.size());
    }
}
