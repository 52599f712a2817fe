package io.subutai.p2p.core.internal.mesh;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Local index to {@link IndexEntry} (wireguard-go's {@code indextable.go}): the sessions and the
 * pending handshakes of a network, so a DATA packet finds its session and a handshake response
 * its handshake by one lookup, without boxing and without looking at the peers. Open addressing
 * with linear probing; readers (the receive thread) take no lock and never wait, writers serialise
 * on the table. A removed entry leaves a tombstone until the next rebuild.
 */
final class IndexTable {

    private static final IndexEntry TOMBSTONE = new PendingHandshake(null, null, 0, 0, 0, null, null);
    private static final int MIN_CAPACITY = 16;

    private volatile AtomicReferenceArray<IndexEntry> slots = new AtomicReferenceArray<>(MIN_CAPACITY);
    // guarded by this
    private int size;
    private int tombstones;

    private static int start(int index, int mask) {
        int h = index * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
    }

    /** The entry named {@code index}, or null. */
    IndexEntry get(int index) {
        AtomicReferenceArray<IndexEntry> s = slots;
        int mask = s.length() - 1;
        for (int i = start(index, mask), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            IndexEntry e = s.get(i);
            if (e == null) {
                return null;
            }
            if (e != TOMBSTONE && e.localIndex() == index) {
                return e;
            }
        }
        return null;
    }

    /** Adds {@code e} under its index, replacing what was there under it. */
    synchronized void put(IndexEntry e) {
        if (2 * (size + tombstones + 1) > slots.length()) {
            rebuild(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size + 1)) * 4));
        }
        AtomicReferenceArray<IndexEntry> s = slots;
        int mask = s.length() - 1;
        int free = -1;
        for (int i = start(e.localIndex(), mask); ; i = (i + 1) & mask) {
            IndexEntry at = s.get(i);
            if (at == null) {
                if (free < 0) {
                    free = i;
                } else {
                    tombstones--;
                }
                s.set(free, e);
                size++;
                return;
            }
            if (at == TOMBSTONE) {
                if (free < 0) {
                    free = i;
                }
            } else if (at.localIndex() == e.localIndex()) {
                s.set(i, e);
                return;
            }
        }
    }

    /** Removes {@code e} if it is still what its index names; true when it was. */
    synchronized boolean remove(IndexEntry e) {
        AtomicReferenceArray<IndexEntry> s = slots;
        int mask = s.length() - 1;
        for (int i = start(e.localIndex(), mask), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            IndexEntry at = s.get(i);
            if (at == null) {
                return false;
            }
            if (at == e) {
                s.set(i, TOMBSTONE);
                size--;
                tombstones++;
                return true;
            }
        }
        return false;
    }

    /** A new index: never 0, and naming nothing now. */
    synchronized int newIndex(RandomGenerator random) {
        while (true) {
            int i = random.nextInt();
            if (i != 0 && get(i) == null) {
                return i;
            }
        }
    }

    /** Each entry, as the table holds them now (entries added or removed meanwhile may or may not be seen). */
    void forEach(Consumer<IndexEntry> action) {
        AtomicReferenceArray<IndexEntry> s = slots;
        for (int i = 0; i < s.length(); i++) {
            IndexEntry e = s.get(i);
            if (e != null && e != TOMBSTONE) {
                action.accept(e);
            }
        }
    }

    synchronized int size() {
        return size;
    }

    /** Moves the live entries to a new array of {@code capacity} slots (a power of two) and publishes it. */
    private void rebuild(int capacity) {
        AtomicReferenceArray<IndexEntry> old = slots;
        AtomicReferenceArray<IndexEntry> s = new AtomicReferenceArray<>(capacity);
        int mask = capacity - 1;
        for (int i = 0; i < old.length(); i++) {
            IndexEntry e = old.get(i);
            if (e != null && e != TOMBSTONE) {
                int j = start(e.localIndex(), mask);
                while (s.get(j) != null) {
                    j = (j + 1) & mask;
                }
                s.set(j, e);
            }
        }
        tombstones = 0;
        slots = s;
    }
}
