package io.subutai.p2p.core.internal.mesh;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.subutai.p2p.api.HistoryEntry;

/**
 * A peer's latest events for {@code p2p debug}, newest last, at most {@link #SIZE}; the same event
 * again right after is counted instead of listed twice (a handshake retried every 250 ms).
 * Thread-safe.
 */
final class PeerHistory {

    /** Events of a peer that {@code debug} lists, at most this many (the latest). */
    static final int SIZE = 16;

    private static final class Entry {
        long at;
        final String what;
        int times = 1;

        Entry(long at, String what) {
            this.at = at;
            this.what = what;
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>(); // guarded by this

    /** Records {@code what} at {@code atMillis} (the wall clock). */
    synchronized void note(String what, long atMillis) {
        Entry last = entries.peekLast();
        if (last != null && last.what.equals(what)) {
            last.at = atMillis;
            last.times++;
            return;
        }
        if (entries.size() >= SIZE) {
            entries.pollFirst();
        }
        entries.addLast(new Entry(atMillis, what));
    }

    synchronized List<HistoryEntry> snapshot() {
        List<HistoryEntry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(new HistoryEntry(Instant.ofEpochMilli(e.at), e.what, e.times));
        }
        return out;
    }
}
