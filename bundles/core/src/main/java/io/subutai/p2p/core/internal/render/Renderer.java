package io.subutai.p2p.core.internal.render;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.DaemonSnapshot;
import io.subutai.p2p.api.HistoryEntry;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.api.PluginSwap;
import io.subutai.p2p.api.ShowRequest;

/**
 * The one place that turns the engine's snapshots into what {@code show}, {@code status} and
 * {@code debug} print: the original's text formats and exit codes (reference §1.6, §1.7, §2.3),
 * or with {@code -json} the snapshot itself ({@link Json}).
 */
public final class Renderer {

    public static final int UNKNOWN_HASH = 15;
    public static final int NOT_INTEGRATED = 12;
    public static final int USAGE = 2;

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private Renderer() {
    }

    /**
     * {@code p2p show}: the branches in the original's order (hash, interfaces, mtu, the list).
     *
     * @param history every interface name used since the daemon started, for {@code -interfaces -all}
     */
    public static CommandOutput show(ShowRequest request, DaemonSnapshot daemon, List<String> history, int mtu) {
        if (request.json() && (!request.check().isEmpty() || request.interfaces() || request.mtu())) {
            return CommandOutput.error(USAGE, "show -json prints the networks, or with -hash one network and its peers;"
                    + " it does not go with -check, -interfaces or -mtu\n");
        }
        if (!request.hash().isEmpty()) {
            NetworkSnapshot network = null;
            for (NetworkSnapshot n : daemon.networks()) {
                if (n.hash().equals(request.hash())) {
                    network = n;
                }
            }
            if (network == null) {
                return CommandOutput.error(UNKNOWN_HASH, "Specified environment was not found\n");
            }
            if (request.json()) {
                return CommandOutput.ok(Json.of(network));
            }
            if (!request.check().isEmpty()) {
                for (PeerSnapshot p : network.peers()) {
                    if (request.check().equals(p.ip()) && p.state() == PeerState.CONNECTED) {
                        return CommandOutput.ok("Integrated with " + request.check() + "\n");
                    }
                }
                return CommandOutput.error(NOT_INTEGRATED, "Not yet integrated with " + request.check() + "\n");
            }
            // the original's four columns, then how the peer is reached (lan, direct, punched, relay HOST:PORT)
            StringBuilder b = new StringBuilder("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n");
            for (PeerSnapshot p : network.peers()) {
                b.append(p.id()).append('\t').append(p.ip() == null ? "<nil>" : p.ip()).append('\t')
                        .append(p.endpoint() == null ? "<nil>" : p.endpoint()).append('\t')
                        .append(p.mac() == null ? "" : p.mac()).append('\t')
                        .append(p.path() == null ? "-" : path(p.path())).append('\n');
            }
            return CommandOutput.ok(b.toString());
        }
        StringBuilder b = new StringBuilder();
        if (request.interfaces() && request.all()) {
            for (String name : history) {
                b.append(name).append('\n');
            }
            return CommandOutput.ok(b.toString());
        }
        if (request.interfaces()) {
            for (NetworkSnapshot n : daemon.networks()) {
                if (request.bind()) {
                    b.append(n.hash()).append('|');
                }
                b.append(n.interfaceName()).append('\n');
            }
            return CommandOutput.ok(b.toString());
        }
        if (request.mtu()) {
            return CommandOutput.ok(mtu + "\n");
        }
        if (request.json()) {
            List<NetworkInfo> networks = new ArrayList<>();
            for (NetworkSnapshot n : daemon.networks()) {
                networks.add(new NetworkInfo(n.hash(), n.mac(), n.ip(), n.prefix(), n.interfaceName()));
            }
            return CommandOutput.ok(Json.of(networks));
        }
        for (NetworkSnapshot n : daemon.networks()) {
            b.append(n.mac()).append('\t').append(n.ip()).append('\t').append(n.hash()).append('\n');
        }
        return CommandOutput.ok(b.toString());
    }

    /**
     * {@code p2p status}: {@code hash|ip} per network and a line per peer, or with a hash that
     * network's peers in the original's JSON (hand-made, with tabs); with {@code json}, the
     * networks (that one only, with a hash) as {@link NetworkSnapshot}s.
     */
    public static CommandOutput status(String hash, boolean json, DaemonSnapshot daemon) {
        boolean one = hash != null && !hash.isEmpty();
        List<NetworkSnapshot> networks = new ArrayList<>();
        for (NetworkSnapshot n : daemon.networks()) {
            if (!one || n.hash().equals(hash)) {
                networks.add(n);
            }
        }
        if (json) {
            return CommandOutput.ok(Json.of(networks));
        }
        StringBuilder b = new StringBuilder();
        if (one) {
            List<PeerSnapshot> list = networks.isEmpty() ? List.of() : networks.get(0).peers();
            if (list.isEmpty()) {
                return CommandOutput.ok("[]\n");
            }
            b.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                PeerSnapshot p = list.get(i);
                b.append("\t{\n\t\t\"ip\": \"").append(p.ip() == null ? "" : p.ip()).append("\",\n\t\t\"state\": \"")
                        .append(p.state()).append(p.path() == null ? "\"" : "\",\n\t\t\"path\": \"" + path(p.path()) + "\"")
                        .append("\n\t}").append(i < list.size() - 1 ? ",\n" : "\n");
            }
            return CommandOutput.ok(b.append("]\n").toString());
        }
        for (NetworkSnapshot n : networks) {
            b.append(n.hash()).append('|').append(n.ip()).append('\n');
            for (String w : n.waiting()) {
                b.append("Waiting: ").append(w).append('\n');
            }
            for (PeerSnapshot p : n.peers()) {
                b.append(p.id()).append('|').append(p.ip() == null ? "" : p.ip()).append("|State:").append(p.state())
                        .append(p.path() == null ? "" : "|Path:" + path(p.path())).append("|\n");
            }
        }
        return CommandOutput.ok(b.toString());
    }

    /** {@code p2p debug}: the daemon, then every network with its servers, relays and peers; or the snapshot as JSON. */
    public static CommandOutput debug(boolean json, DaemonSnapshot daemon) {
        if (json) {
            return CommandOutput.ok(Json.of(daemon));
        }
        long up = daemon.uptimeSeconds();
        StringBuilder b = new StringBuilder();
        b.append("Version: ").append(daemon.version()).append('\n');
        b.append("Uptime: ").append(up / 3600).append(" h ").append(up / 60 % 60).append(" m ").append(up % 60).append(" s\n");
        b.append("Number of threads: ").append(daemon.threads()).append('\n');
        b.append("PMTU: ").append(daemon.pmtu() ? "Enabled" : "Disabled").append('\n');
        b.append("Instances information:\n");
        for (NetworkSnapshot n : daemon.networks()) {
            b.append("Hash: ").append(n.hash()).append('\n');
            b.append("P2P Interface ").append(n.interfaceName()).append(", HW Addr: ").append(n.mac()).append(", IP: ")
                    .append(n.ip()).append('\n');
            for (String line : network(n)) {
                b.append(line).append('\n');
            }
        }
        if (!daemon.swaps().isEmpty()) {
            b.append("Plugin swaps (UTC, latest last):\n");
            for (PluginSwap s : daemon.swaps()) {
                b.append('\t').append(swap(s)).append('\n');
            }
        }
        return CommandOutput.ok(b.toString());
    }

    /** A plugin swap as {@code debug} says it, on one line. */
    static String swap(PluginSwap s) {
        return CLOCK.format(java.time.Instant.ofEpochMilli(s.atMillis())) + " " + s.kind() + " '" + s.name() + "' "
                + (s.from().isEmpty() ? "(none)" : s.from()) + " -> " + (s.to().isEmpty() ? "(none yet)" : s.to())
                + ", networks " + String.join(", ", s.networks()) + ": "
                + (s.gapMillis() < 0 ? "" : "traffic gap " + s.gapMillis() + " ms; ") + s.outcome();
    }

    /** What {@code debug} says of a network's data plane, after its hash and interface: lines without their ends. */
    public static List<String> network(NetworkSnapshot n) {
        List<String> out = new ArrayList<>();
        for (String w : n.waiting()) {
            out.add("Waiting: " + w);
        }
        if (n.peerId() == null) {
            out.add("Not joined to its peers yet");
            return out;
        }
        out.add("ID: " + n.peerId());
        out.add("UDP Port: " + n.udpPort());
        out.add("Relay only (-fwd): " + (n.relayOnly() ? "yes" : "no"));
        out.addAll(n.discovery());
        out.add("Transports: " + (n.transports().isEmpty() ? "none (direct paths only)" : String.join(", ", n.transports())));
        out.add("Proxies: " + (n.relays().isEmpty() ? "No proxies in use" : String.join(" ", n.relays())));
        out.add("Peers:");
        for (PeerSnapshot p : n.peers()) {
            peer(p, out);
        }
        return out;
    }

    /**
     * A peer as {@code debug} shows it: tab-indented lines in the shape of the original's, with
     * the path in use and its kind, every path with its round-trip time (or {@code -}: probed,
     * never answered), the addresses to try, the attempts made, and its recent history.
     */
    private static void peer(PeerSnapshot p, List<String> out) {
        out.add("\t--- " + p.id() + " ---");
        out.add("\tState: " + p.state());
        out.add("\tCrypto suite: " + (p.suite() == null ? "none yet" : p.suite()));
        out.add(p.ip() == null ? "\tNo IP assigned" : "\tNetwork: " + p.ip() + " " + (p.mac() == null ? "(no MAC yet)" : p.mac()));
        out.add("\tEndpoint: " + (p.endpoint() == null ? "none" : p.endpoint())
                + (p.path() == null ? "" : " (" + path(p.path()) + ")"));
        if (p.maxDatagram() > 0) {
            String why = p.probedDatagram() > 0 && p.probedDatagram() == p.maxDatagram()
                    ? " (found by probing: the path carries it whole)"
                    : p.maxDatagram() < 1452 ? " (the path's MTU, " + p.maxDatagram() + " + IP and UDP headers, is below 1500)" : "";
            out.add("\tLargest datagram: " + p.maxDatagram() + " bytes" + why);
        }
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
            out.add("\t  " + CLOCK.format(e.at()) + " " + e.what()
                    + (e.times() == 1 ? "" : " (x" + e.times() + ", time of the last)"));
        }
        out.add("\t--- End of " + p.id() + " ---");
    }

    /** How a path reaches its peer, as the text forms say it: {@code lan}, {@code direct}, {@code punched}, {@code relay HOST:PORT}. */
    static String path(PathSnapshot path) {
        return path.kind().label(path.relay());
    }
}
