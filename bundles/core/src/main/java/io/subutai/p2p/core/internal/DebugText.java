package io.subutai.p2p.core.internal;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.subutai.p2p.api.HistoryEntry;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;

/** A peer's snapshot in the text of {@code show}, {@code status} and {@code debug}. */
final class DebugText {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private DebugText() {
    }

    /** How a path is named to users: {@code lan}, {@code direct}, {@code punched}, {@code relay HOST:PORT}; null for null. */
    static String path(PathSnapshot p) {
        if (p == null) {
            return null;
        }
        return p.kind().relayed() ? "relay " + p.relay() : p.kind().name().toLowerCase(Locale.ROOT);
    }

    /**
     * A peer as {@code debug} shows it: tab-indented lines in the shape of the original's, with
     * the path in use and its kind, every path with its round-trip time (or {@code -}: probed,
     * never answered), and the attempts made to reach it.
     */
    static List<String> peer(PeerSnapshot p) {
        List<String> out = new ArrayList<>();
        out.add("\t--- " + p.id() + " ---");
        out.add("\tState: " + p.state());
        out.add(p.ip() == null ? "\tNo IP assigned" : "\tNetwork: " + p.ip() + " " + (p.mac() == null ? "(no MAC yet)" : p.mac()));
        String kind = path(p.path());
        out.add("\tEndpoint: " + (p.endpoint() == null ? "none" : p.endpoint()) + (kind == null ? "" : " (" + kind + ")"));
        StringBuilder all = new StringBuilder("\tAll Endpoints:");
        for (PathSnapshot s : p.paths()) {
            all.append(' ').append(s.endpoint()).append(" [")
                    .append(s.rttMicros() < 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", s.rttMicros() / 1e3)).append(']');
        }
        out.add(all.toString());
        StringBuilder pool = new StringBuilder("\tEndpoints pool:");
        for (PeerSnapshot.Candidate c : p.candidates()) {
            pool.append(' ').append(c.endpoint()).append(c.mapped() ? " (mapped)" : "");
        }
        out.add(pool.toString());
        PeerSnapshot.Attempts a = p.attempts();
        out.add("\tAttempts: " + a.handshakes() + " handshakes, " + a.punchRounds() + " punch rounds ("
                + a.predictedRounds() + " with predicted ports), " + a.predictedProbeRounds() + " predicted probe rounds");
        out.add("\tHistory (UTC, latest last):");
        for (HistoryEntry e : p.history()) {
            out.add("\t  " + CLOCK.format(e.at()) + " " + e.what() + (e.times() == 1 ? "" : " (x" + e.times()
                    + ", time of the last)"));
        }
        out.add("\t--- End of " + p.id() + " ---");
        return out;
    }
}
