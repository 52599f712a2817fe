package io.subutai.p2p.launcher;

import java.io.IOException;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The table {@code p2p lab} prints: one row per member and peer it sees, with the peer's state as
 * {@code status} names it, the path's kind as {@code status} prints it ({@code lan}, {@code direct},
 * {@code punched}, {@code relay HOST:PORT}) and its round-trip time; a member with no peer (or no
 * daemon answering) gets one row that says so. The rows come from each daemon's {@code status
 * -json} (docs/control-api.md).
 */
final class LabTable {

    static final List<String> HEADER = List.of("MEMBER", "OVERLAY IP", "PEER", "STATE", "PATH", "RTT");
    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** What one member's daemon said: its peers, or (problem not null) why there is nothing to show. */
    record View(LabNet.Member member, List<Peer> peers, String problem) {
    }

    /** A peer as one member sees it. */
    record Peer(String ip, String state, String path, long rttMicros) {

        boolean connected() {
            return state.equals("CONNECTED");
        }
    }

    private LabTable() {
    }

    /** The view of {@code member} from its daemon's {@code status -hash H -json} answer. */
    static View view(LabNet.Member member, String statusJson) throws IOException {
        Object tree;
        try (JsonParser p = JSON.createParser(statusJson)) {
            p.nextToken();
            tree = value(p);
        }
        if (!(tree instanceof List<?> networks) || networks.isEmpty()) {
            return new View(member, List.of(), "network not started");
        }
        List<Peer> peers = new ArrayList<>();
        for (Object o : list(map(networks.get(0)).get("peers"))) {
            Map<String, Object> peer = map(o);
            Map<String, Object> path = peer.get("path") instanceof Map<?, ?> ? map(peer.get("path")) : null;
            String id = text(peer.get("id"), "?");
            String ip = text(peer.get("ip"), "id " + id.substring(0, Math.min(8, id.length()))); // until it says its IP
            String kind = path == null ? "-" : text(path.get("kind"), "-").toLowerCase(Locale.ROOT);
            if (path != null && path.get("relay") instanceof String relay) {
                kind += " " + relay;
            }
            long rtt = path != null && path.get("rttMicros") instanceof Number n ? n.longValue() : -1;
            peers.add(new Peer(ip, text(peer.get("state"), "?"), kind, rtt));
        }
        peers.sort((a, b) -> compareIps(a.ip(), b.ip()));
        return new View(member, peers, null);
    }

    /** Links seen CONNECTED (a member seeing a peer connected counts once per direction). */
    static int connected(List<View> views) {
        return (int) views.stream().flatMap(v -> v.peers().stream()).filter(Peer::connected).count();
    }

    /**
     * The table's lines: the time, how many links are up and {@code title}; the header; the rows. {@code terminal}: a member's name and IP only
     * on its first row (the plain form repeats them, so that every line stands alone).
     */
    static List<String> render(List<View> views, String title, boolean terminal) {
        int n = views.size();
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (View v : views) {
            String name = v.member().namespace();
            String ip = v.member().overlay();
            if (v.problem() != null || v.peers().isEmpty()) {
                rows.add(List.of(name, ip, "-", v.problem() != null ? v.problem() : "no peer seen yet", "", ""));
                continue;
            }
            boolean first = true;
            for (Peer p : v.peers()) {
                rows.add(List.of(terminal && !first ? "" : name, terminal && !first ? "" : ip, p.ip(), p.state(), p.path(),
                        rtt(p.rttMicros())));
                first = false;
            }
        }
        int[] width = new int[HEADER.size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        List<String> lines = new ArrayList<>();
        int links = connected(views);
        lines.add(LocalTime.now().format(TIME) + "  " + links + " of " + n * (n - 1) + " links CONNECTED  " + title);
        for (List<String> r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                b.append(r.get(i));
                if (i < r.size() - 1) {
                    b.append(" ".repeat(width[i] - r.get(i).length() + 2));
                }
            }
            lines.add(b.toString().stripTrailing());
        }
        return lines;
    }

    /**
     * {@code lines} cut to {@code width} characters: a terminal that wrapped one would break the
     * count of lines the next redraw moves up by.
     */
    static List<String> clip(List<String> lines, int width) {
        return lines.stream().map(l -> l.length() < width ? l : l.substring(0, Math.max(0, width - 1))).toList();
    }

    /** A round-trip time in ms as a person reads it; {@code -} while none was measured. */
    static String rtt(long micros) {
        if (micros < 0) {
            return "-";
        }
        return micros < 10_000 ? String.format(Locale.ROOT, "%.2f ms", micros / 1000.0)
                : String.format(Locale.ROOT, "%d ms", Math.round(micros / 1000.0));
    }

    private static int compareIps(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        if (x.length == 4 && y.length == 4 && a.matches("[0-9.]+") && b.matches("[0-9.]+")) {
            for (int i = 0; i < 4; i++) {
                int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
        return a.compareTo(b);
    }

    /** The JSON value at the parser's current token: a Map, List, String, Long, Double, Boolean or null. */
    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new IOException("no JSON");
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, value(p));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected " + t);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) throws IOException {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IOException("not a JSON object: " + o);
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static String text(Object o, String otherwise) {
        return o instanceof String s ? Terminal.safe(s) : otherwise;
    }
}
