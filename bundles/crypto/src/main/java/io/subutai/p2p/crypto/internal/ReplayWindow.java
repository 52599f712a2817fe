package io.subutai.p2p.crypto.internal;

/**
 * Which counters a session has opened: the highest, and a bitmap of the {@link #SIZE} below it.
 * A counter is new if it is above the highest, or within the window and not seen; anything older
 * than the window is refused. Owned by the one thread that opens packets.
 */
final class ReplayWindow {

    static final int SIZE = 2048;
    private static final int WORDS = SIZE / 64;

    private final long[] bits = new long[WORDS];
    private long highest = -1;

    /** Whether {@code counter} may be accepted; changes nothing. */
    boolean isNew(long counter) {
        if (counter < 0) {
            return false;
        }
        if (counter > highest) {
            return true;
        }
        if (highest - counter >= SIZE) {
            return false;
        }
        return (bits[word(counter)] & (1L << counter)) == 0;
    }

    /** Records {@code counter} (which {@link #isNew} accepted and which authenticated). */
    void accept(long counter) {
        if (counter > highest) {
            long gap = counter - highest;
            if (gap >= SIZE) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                for (long c = highest + 1; c < counter; c++) {
                    bits[word(c)] &= ~(1L << c);
                }
            }
            highest = counter;
            bits[word(counter)] &= ~(1L << counter);
        }
        bits[word(counter)] |= 1L << counter;
    }

    long highest() {
        return highest;
    }

    private static int word(long counter) {
        return (int) ((counter >>> 6) & (WORDS - 1));
    }
}
