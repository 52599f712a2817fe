package io.subutai.p2p.core.internal;

import java.util.List;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.ShowRequest;

/** {@code p2p show}, in the original's formats and exit codes (reference §1.6). */
final class ShowCommand {

    static final int UNKNOWN_HASH = 15;
    static final int NOT_INTEGRATED = 12;

    private ShowCommand() {
    }

    static CommandOutput render(ShowRequest request, List<NetworkInfo> networks, List<String> history, int mtu) {
        return render(request, networks, history, mtu, hash -> List.of());
    }

    /** @param peers the peers of a running network, by hash */
    static CommandOutput render(ShowRequest request, List<NetworkInfo> networks, List<String> history, int mtu,
            java.util.function.Function<String, List<Networks.PeerView>> peers) {
        if (!request.hash().isEmpty()) {
            NetworkInfo network = null;
            for (NetworkInfo n : networks) {
                if (n.hash().equals(request.hash())) {
                    network = n;
                }
            }
            if (network == null) {
                return CommandOutput.error(UNKNOWN_HASH, "Specified environment was not found\n");
            }
            List<Networks.PeerView> list = peers.apply(network.hash());
            if (list == null) {
                list = List.of();
            }
            if (!request.check().isEmpty()) {
                for (Networks.PeerView p : list) {
                    if (request.check().equals(p.ip()) && p.state() == io.subutai.p2p.api.PeerState.CONNECTED) {
                        return CommandOutput.ok("Integrated with " + request.check() + "\n");
                    }
                }
                return CommandOutput.error(NOT_INTEGRATED, "Not yet integrated with " + request.check() + "\n");
            }
            // the original's four columns, then how the peer is reached (lan, direct, punched, relay HOST:PORT)
            StringBuilder b = new StringBuilder("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n");
            for (Networks.PeerView p : list) {
                b.append(p.id()).append('\t').append(p.ip() == null ? "<nil>" : p.ip()).append('\t')
                        .append(p.endpoint() == null ? "<nil>" : p.endpoint()).append('\t')
                        .append(p.mac() == null ? "" : p.mac()).append('\t')
                        .append(p.path() == null ? "-" : p.path()).append('\n');
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
            for (NetworkInfo n : networks) {
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
        for (NetworkInfo n : networks) {
            b.append(n.mac()).append('\t').append(n.ip()).append('\t').append(n.hash()).append('\n');
        }
        return CommandOutput.ok(b.toString());
    }

    /** {@code p2p status}, in the original's formats (reference §1.7). */
    static CommandOutput status(String hash, List<NetworkInfo> networks,
            java.util.function.Function<String, List<Networks.PeerView>> peers) {
        StringBuilder b = new StringBuilder();
        if (hash != null && !hash.isEmpty()) {
            List<Networks.PeerView> list = peers.apply(hash);
            if (list == null || list.isEmpty()) {
                return CommandOutput.ok("[]\n");
            }
            b.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                Networks.PeerView p = list.get(i);
                b.append("\t{\n\t\t\"ip\": \"").append(p.ip() == null ? "" : p.ip()).append("\",\n\t\t\"state\": \"")
                        .append(p.state()).append(p.path() == null ? "\"" : "\",\n\t\t\"path\": \"" + p.path() + "\"")
                        .append("\n\t}").append(i < list.size() - 1 ? ",\n" : "\n");
            }
            return CommandOutput.ok(b.append("]\n").toString());
        }
        for (NetworkInfo n : networks) {
            b.append(n.hash()).append('|').append(n.ip()).append('\n');
            List<Networks.PeerView> list = peers.apply(n.hash());
            for (Networks.PeerView p : list == null ? List.<Networks.PeerView>of() : list) {
                b.append(p.id()).append('|').append(p.ip() == null ? "" : p.ip()).append("|State:").append(p.state())
                        .append(p.path() == null ? "" : "|Path:" + p.path()).append("|\n");
            }
        }
        return CommandOutput.ok(b.toString());
    }
}
