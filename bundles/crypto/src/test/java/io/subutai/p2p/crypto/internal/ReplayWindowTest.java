package io.subutai.p2p.crypto.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    private final ReplayWindow w = new ReplayWindow();

    private boolean take(long c) {
        if (!w.isNew(c)) {
            return false;
        }
        w.accept(c);
        return true;
    }

    @Test
    void eachCounterOnce() {
        assertTrue(take(0));
        assertFalse(take(0));
        assertTrue(take(1));
        assertFalse(take(1));
        assertFalse(take(-1), "negative counters never");
    }

    @Test
    void outOfOrderWithinTheWindowOnce() {
        assertTrue(take(100));
        assertTrue(take(50));
        assertTrue(take(99));
        assertFalse(take(50));
        assertTrue(take(0));
        assertEquals(100, w.highest());
    }

    @Test
    void theWindowsEdges() {
        assertTrue(take(5000));
        long oldestInside = 5000 - ReplayWindow.SIZE + 1;
        assertTrue(take(oldestInside), "the oldest counter inside the window");
        assertFalse(take(oldestInside - 1), "one older than the window");
        assertFalse(take(oldestInside), "and not twice");
        assertTrue(take(5001));
        assertTrue(take(oldestInside + 1));
    }

    @Test
    void aLongJumpForgetsEverythingBelowTheNewWindow() {
        for (long c = 0; c < 3000; c++) {
            assertTrue(take(c));
        }
        assertTrue(take(1_000_000));
        assertFalse(take(2999), "far below the window now");
        assertTrue(take(1_000_000 - 1), "the bit of the slot that counter 2999 used was cleared");
        assertTrue(take(1_000_000 - ReplayWindow.SIZE + 1));
    }

    @Test
    void slotsReusedAfterTheWindowMovesAreClear() {
        assertTrue(take(10));
        assertTrue(take(10 + ReplayWindow.SIZE), "same slot, one window later");
        assertFalse(take(10));
        assertTrue(take(9 + ReplayWindow.SIZE));
        assertFalse(take(10 + ReplayWindow.SIZE));
    }
}
