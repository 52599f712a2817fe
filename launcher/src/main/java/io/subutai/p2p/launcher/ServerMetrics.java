package io.subutai.p2p.launcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.subutai.p2p.metrics.MetricsEndpoint;
import io.subutai.p2p.servers.internal.BootstrapServer;
import io.subutai.p2p.servers.internal.DatagramServer;
import io.subutai.p2p.servers.internal.RelayServer;
import io.subutai.p2p.wire.ListenAddress;

/**
 * The standalone servers' metrics ({@code dht-server}, {@code proxy-server} and {@code servers}
 * with {@code -metrics ADDR:PORT}): the same endpoint as the daemon's, with the families of a
 * bootstrap server ({@code p2p_bootstrap_*}) and of a relay ({@code p2p_relay_*}).
 */
final class ServerMetrics {

    private ServerMetrics() {
    }

    /**
     * Serves the metrics of {@code dht} and {@code relay} (either may be null) when {@code -metrics}
     * is given; null when it is not.
     */
    static MetricsEndpoint start(Parsed p, String version, BootstrapServer dht, RelayServer relay, Log log)
            throws IOException {
        if (!p.has("metrics")) {
            return null;
        }
        InetSocketAddress at = ListenAddress.parse(p.string("metrics"));
        String token = p.has("metrics-token") ? MetricsEndpoint.readToken(MetricsFlags.token(p)) : null;
        MetricsEndpoint e = MetricsEndpoint.start(at, token, () -> of(version, dht, relay), "p2p-metrics");
        log.info("Metrics at http://" + ListenAddress.text(e.address()) + "/metrics"
                + (token == null ? "" : " (scrapes must carry the bearer token)"));
        return e;
    }

    static MetricSnapshots of(String version, BootstrapServer dht, RelayServer relay) {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(InfoSnapshot.builder().name("p2p_build").help("The p2p server's version")
                .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of("version", version)).build()).build());
        if (dht != null) {
            out.add(gauge("p2p_bootstrap_members", "Members registered, in all networks", dht.members()));
            out.add(gauge("p2p_bootstrap_relays", "Relays it may offer members", dht.relays()));
            out.add(CounterSnapshot.builder().name("p2p_bootstrap_refused").help("Registrations refused, by reason")
                    .dataPoint(counter(dht.refusedByQuota(), "reason", "quota"))
                    .dataPoint(counter(dht.unproven(), "reason", "unproven"))
                    .dataPoint(counter(dht.olderVersion(), "reason", "older_version")).build());
        }
        if (relay != null) {
            out.add(gauge("p2p_relay_allocations", "Handles members hold at the relay", relay.allocations()));
            out.add(CounterSnapshot.builder().name("p2p_relay_bytes").help("Bytes the relay passed between members")
                    .dataPoint(counter(relay.relayedBytes())).build());
            out.add(CounterSnapshot.builder().name("p2p_relay_dropped_packets")
                    .help("Datagrams the relay dropped (over a rate, for no handle, malformed)").dataPoint(counter(relay.dropped())).build());
            out.add(CounterSnapshot.builder().name("p2p_relay_refused").help("Allocations the relay refused")
                    .dataPoint(counter(relay.refused())).build());
        }
        GaugeSnapshot.Builder streams = GaugeSnapshot.builder().name("p2p_server_streams")
                .help("TCP streams (WebSocket, TLS or plain) open to the server");
        CounterSnapshot.Builder drops = CounterSnapshot.builder().name("p2p_server_stream_drops")
                .help("Datagrams dropped on the server's streams (a stream that could not take them)");
        for (DatagramServer s : new DatagramServer[] {dht, relay}) {
            if (s != null) {
                String server = s == dht ? "bootstrap" : "relay";
                streams.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("server", server))
                        .value(s.streams()).build());
                drops.dataPoint(counter(s.streamDrops(), "server", server));
            }
        }
        out.add(streams.build());
        out.add(drops.build());
        return new MetricSnapshots(out);
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static CounterSnapshot.CounterDataPointSnapshot counter(long value, String... labels) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }
}
