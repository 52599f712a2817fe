package io.subutai.p2p.core.internal;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import io.subutai.p2p.api.PluginSwap;
import io.subutai.p2p.core.internal.mesh.MeshLog;

/**
 * The record of plugins swapped under running networks ({@code p2p debug}, and the log): which
 * plugin, from which bundle to which, the networks it touched, the traffic gap it caused and how
 * it ended. The last {@value #KEEP} are kept. Thread-safe.
 */
final class Swaps {

    static final int KEEP = 32;

    /** A swap under way. */
    static final class Swap {
        final long atMillis;
        final String kind;
        final String name;
        final String from;
        final List<String> networks;
        final List<String> ids; // the networks' ids: what the log names them by

        private Swap(long atMillis, String kind, String name, String from, List<String> networks, List<String> ids) {
            this.atMillis = atMillis;
            this.kind = kind;
            this.name = name;
            this.from = from;
            this.networks = List.copyOf(networks);
            this.ids = List.copyOf(ids);
        }
    }

    private final MeshLog log;
    private final Clock clock;
    private final Deque<PluginSwap> done = new ArrayDeque<>(); // guarded by this
    private final List<Swap> open = new ArrayList<>(); // guarded by this

    Swaps(MeshLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /**
     * A plugin the networks use is going; {@code from} is its bundle and version. {@code networks}
     * are their hashes, for {@code debug}; {@code ids} their ids, for the log, which never names a hash.
     */
    Swap begin(String kind, String name, String from, List<String> networks, List<String> ids) {
        Swap s = new Swap(clock.millis(), kind, name, from, networks, ids);
        synchronized (this) {
            open.add(s);
            while (open.size() > KEEP) {
                open.remove(0);
            }
        }
        log.info("Plugin swap: " + kind + " '" + name + "' (" + from + ") leaves networks " + ids);
        return s;
    }

    /**
     * The swap ended: {@code to} serves now (empty: none), after a gap of {@code gapMillis}
     * (-1: still waiting), as {@code outcome} says.
     */
    void end(Swap s, String to, long gapMillis, String outcome) {
        PluginSwap record = new PluginSwap(s.atMillis, s.kind, s.name, s.from, to, s.networks, gapMillis, outcome);
        synchronized (this) {
            if (gapMillis >= 0) {
                open.remove(s);
            }
            done.addLast(record);
            while (done.size() > KEEP) {
                done.removeFirst();
            }
        }
        log.info("Plugin swap: " + s.kind + " '" + s.name + "' " + s.from + " -> " + (to.isEmpty() ? "none" : to)
                + " in networks " + s.ids + ": " + outcome + (gapMillis >= 0 ? ", traffic gap " + gapMillis + " ms" : ""));
    }

    /** Every swap recorded, oldest first, with those under way (gap -1) after them. */
    synchronized List<PluginSwap> snapshot() {
        List<PluginSwap> out = new ArrayList<>(done);
        for (Swap s : open) {
            boolean recorded = false;
            for (PluginSwap p : done) {
                recorded |= p.atMillis() == s.atMillis && p.kind().equals(s.kind) && p.name().equals(s.name);
            }
            if (!recorded) {
                out.add(new PluginSwap(s.atMillis, s.kind, s.name, s.from, "", s.networks, -1, "waiting for a successor"));
            }
        }
        return out;
    }
}
