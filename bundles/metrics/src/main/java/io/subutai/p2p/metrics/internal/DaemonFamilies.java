package io.subutai.p2p.metrics.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.subutai.p2p.api.NetworkCounters;
import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PeerState;

/**
 * The daemon's metric families, made at each scrape from what the networks counted ({@link
 * NetworkCounters}). Networks are labelled by their id (a keyed digest of the hash, as the log
 * names them), never by the hash, which may be the network's secret; {@code p2p_network_info}
 * joins an id to its interface.
 */
final class DaemonFamilies {

    private DaemonFamilies() {
    }

    static MetricSnapshots of(String version, List<NetworkCounters> networks) {
        List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out = new ArrayList<>();
        out.add(InfoSnapshot.builder().name("p2p_build").help("The p2p daemon's version")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("version", version)).build()).build());
        out.add(GaugeSnapshot.builder().name("p2p_networks").help("Networks running")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(networks.size()).build()).build());
        InfoSnapshot.Builder info = InfoSnapshot.builder().name("p2p_network").help("A running network: its id and interface");
        GaugeSnapshot.Builder peers = GaugeSnapshot.builder().name("p2p_peers").help("Peers of a network in each state");
        for (NetworkCounters n : networks) {
            info.dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                    .labels(Labels.of("network", n.networkId(), "interface", n.interfaceName())).build());
            for (PeerState s : PeerState.values()) {
                peers.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("network", n.networkId(), "state", s.name())).value(n.peers().getOrDefault(s, 0)).build());
            }
        }
        out.add(info.build());
        out.add(peers.build());
        out.add(traffic("p2p_rx_packets", "Datagrams received and authenticated, by the kind of path", networks,
                NetworkCounters.Traffic::rxPackets));
        out.add(traffic("p2p_rx_bytes", "Bytes (UDP payload) received and authenticated, by the kind of path", networks,
                NetworkCounters.Traffic::rxBytes));
        out.add(traffic("p2p_tx_packets", "Datagrams sent, by the kind of path", networks, NetworkCounters.Traffic::txPackets));
        out.add(traffic("p2p_tx_bytes", "Bytes (UDP payload) sent, by the kind of path", networks, NetworkCounters.Traffic::txBytes));
        CounterSnapshot.Builder relay = CounterSnapshot.builder().name("p2p_relay_bytes")
                .help("Bytes that went through relays (paths relay and relay_tcp), in and out");
        CounterSnapshot.Builder handshakes = CounterSnapshot.builder().name("p2p_handshakes")
                .help("Handshakes: initiated, completed (sessions confirmed), failed (no answer before a retry, or refused), "
                        + "rate_limited (initiations dropped unread under load)");
        CounterSnapshot.Builder drops = CounterSnapshot.builder().name("p2p_dropped_packets")
                .help("Datagrams and frames dropped, by reason");
        CounterSnapshot.Builder changes = CounterSnapshot.builder().name("p2p_path_changes")
                .help("Times a peer's traffic moved to another path");
        CounterSnapshot.Builder tap = CounterSnapshot.builder().name("p2p_tap_errors")
                .help("Frames lost at the TAP interface (a read or a write that failed)");
        for (NetworkCounters n : networks) {
            long in = 0;
            long out2 = 0;
            for (PathKind k : PathKind.values()) {
                NetworkCounters.Traffic t = n.traffic().get(k);
                if (k.relayed() && t != null) {
                    in += t.rxBytes();
                    out2 += t.txBytes();
                }
            }
            relay.dataPoint(counter(in, "network", n.networkId(), "direction", "in"));
            relay.dataPoint(counter(out2, "network", n.networkId(), "direction", "out"));
            for (String r : NetworkCounters.HANDSHAKE_OUTCOMES) {
                handshakes.dataPoint(counter(n.handshakes().getOrDefault(r, 0L), "network", n.networkId(), "result", r));
            }
            for (String r : NetworkCounters.DROP_REASONS) {
                drops.dataPoint(counter(n.drops().getOrDefault(r, 0L), "network", n.networkId(), "reason", r));
            }
            changes.dataPoint(counter(n.pathChanges(), "network", n.networkId()));
            tap.dataPoint(counter(n.tapErrors(), "network", n.networkId()));
        }
        out.add(relay.build());
        out.add(handshakes.build());
        out.add(drops.build());
        out.add(changes.build());
        out.add(tap.build());
        return new MetricSnapshots(out);
    }

    private static CounterSnapshot traffic(String name, String help, List<NetworkCounters> networks,
            ToLongFunction<NetworkCounters.Traffic> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (NetworkCounters n : networks) {
            for (PathKind k : PathKind.values()) {
                NetworkCounters.Traffic t = n.traffic().get(k);
                b.dataPoint(counter(t == null ? 0 : value.applyAsLong(t), "network", n.networkId(), "path",
                        k.name().toLowerCase(Locale.ROOT)));
            }
        }
        return b.build();
    }

    static CounterSnapshot.CounterDataPointSnapshot counter(long value, String... labels) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }
}
