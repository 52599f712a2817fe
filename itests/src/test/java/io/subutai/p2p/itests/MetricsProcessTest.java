package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code p2p daemon -metrics}: a scrape, read with the Prometheus Python client's text parser, has
 * the families an operator graphs, its counters rise with a ping, no label names the hash, and
 * without the bearer token there is nothing to read. Needs root and python3-prometheus-client
 * (.ci/setup installs it).
 */
class MetricsProcessTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** A hash that is the network's secret (no -key): it must never appear in a scrape. */
    private static final String HASH = "metrics-hash-Qv7wX2pL9";

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeAll
    static void needs() throws Exception {
        Lab.needs("MetricsProcessTest", "ping");
        boolean parser = Files.isExecutable(PYTHON)
                && Netns.exec(List.of(PYTHON.toString(), "-c", "import prometheus_client.parser")).code() == 0;
        if (!parser) {
            System.err.println("\n*** SKIPPED: MetricsProcessTest needs python3-prometheus-client (.ci/setup). ***\n");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(parser, "MetricsProcessTest needs python3-prometheus-client");
    }

    /** One sample: its name and labels. */
    private record Sample(String name, String labels) {
    }

    /** A scrape of {@code ns}'s daemon as Prometheus reads it: the HTTP status, and the samples (empty unless 200). */
    private record Scrape(int status, Map<Sample, Double> samples, String text) {
        double value(String name, String labels) {
            Double v = samples.get(new Sample(name, labels));
            if (v == null) {
                throw new AssertionError("no sample " + name + labels + " in:\n" + text);
            }
            return v;
        }
    }

    private Scrape scrape(Netns ns, String token) throws Exception {
        return scrape(ns, 9586, token);
    }

    private Scrape scrape(Netns ns, int port, String token) throws Exception {
        Path script = Path.of(getClass().getResource("/scrape.py").toURI());
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON.toString(), script.toString(), "http://127.0.0.1:" + port + "/metrics"));
        if (token != null) {
            cmd.add(token);
        }
        Netns.Result r = Netns.exec(ns.wrap(cmd));
        assertEquals(0, r.code(), "the parser takes the scrape: " + r.err() + "\n" + r.out());
        List<String> lines = r.out().lines().toList();
        Map<Sample, Double> samples = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            samples.put(new Sample(f[0], f[1]), Double.parseDouble(f[2]));
        }
        return new Scrape(Integer.parseInt(lines.get(0).strip()), samples, r.out());
    }

    @Test
    void aScrapeParsesItsCountersRiseWithAPingAndNoLabelNamesTheHash() throws Exception {
        List<Netns> lan = lab.lan(2);
        Path token = lab.tmp.resolve("metrics.token");
        Files.writeString(token, "s3cret-scrape-token\n");
        TestDaemon a = new TestDaemon(lan.get(0), P2pOptions.dist().resolve("bin/p2p"), lab.tmp.resolve("state1"), 52523);
        lab.daemons.add(a);
        a.start("-metrics", "9586", "-metrics-token", token.toString());
        TestDaemon b = lab.daemon(lan.get(1), 2);
        Lab.ok(a.p2p("start", "-ip", "10.63.0.1", "-hash", HASH), "start a");
        Lab.ok(b.p2p("start", "-ip", "10.63.0.2", "-hash", HASH), "start b");
        Await.require(() -> Lab.pings(lan.get(1), "10.63.0.1"), Duration.ofSeconds(20), () -> "no ping:\n" + a.logQuietly());

        assertEquals(401, scrape(lan.get(0), null).status(), "no token, no metrics");
        assertEquals(401, scrape(lan.get(0), "wrong").status());
        Scrape before = scrape(lan.get(0), "s3cret-scrape-token");
        assertEquals(200, before.status());
        String network = before.samples().keySet().stream().filter(s -> s.name().equals("p2p_network_info")).findFirst()
                .orElseThrow(() -> new AssertionError("no p2p_network_info:\n" + before.text())).labels();
        String id = network.replaceAll(".*\"network\": \"([0-9a-f]+)\".*", "$1");
        assertTrue(network.contains("\"interface\": \"vptp1\""), network);
        String lanPath = "{\"network\": \"" + id + "\", \"path\": \"lan\"}";
        assertEquals(1.0, before.value("p2p_networks", "{}"));
        assertEquals(1.0, before.value("p2p_peers", "{\"network\": \"" + id + "\", \"state\": \"CONNECTED\"}"));
        assertTrue(before.value("p2p_handshakes_total", "{\"network\": \"" + id + "\", \"result\": \"completed\"}") >= 1,
                before.text());
        assertEquals(1.0, before.value("p2p_build_info", "{\"version\": \"" + a.p2p("version").out().strip() + "\"}"));
        for (String family : List.of("p2p_dropped_packets_total", "p2p_path_changes_total", "p2p_tap_errors_total",
                "p2p_relay_bytes_total", "p2p_tx_bytes_total", "p2p_rx_bytes_total", "p2p_tx_packets_total")) {
            assertTrue(before.samples().keySet().stream().anyMatch(s -> s.name().equals(family)), family + " in\n" + before.text());
        }
        for (String reason : List.of("replay", "forged", "malformed", "no_session", "policy")) {
            before.value("p2p_dropped_packets_total", "{\"network\": \"" + id + "\", \"reason\": \"" + reason + "\"}");
        }
        assertFalse(before.text().contains(HASH), "a label names the hash:\n" + before.text());

        for (int i = 0; i < 5; i++) {
            assertTrue(Lab.pings(lan.get(0), "10.63.0.2"));
        }
        Scrape after = scrape(lan.get(0), "s3cret-scrape-token");
        assertTrue(after.value("p2p_rx_packets_total", lanPath) >= before.value("p2p_rx_packets_total", lanPath) + 5,
                "5 echo replies came in by the LAN:\n" + after.text());
        assertTrue(after.value("p2p_tx_packets_total", lanPath) >= before.value("p2p_tx_packets_total", lanPath) + 5, after.text());
        assertTrue(after.value("p2p_tx_bytes_total", lanPath) >= before.value("p2p_tx_bytes_total", lanPath) + 5 * 84,
                "5 pings of 84 bytes, sealed:\n" + after.text());
        assertEquals(0.0, after.value("p2p_rx_packets_total", "{\"network\": \"" + id + "\", \"path\": \"relay\"}"));
        assertFalse(after.text().contains(HASH), after.text());

        // every family the Grafana dashboard graphs is one a daemon or a server serves
        lab.server(lan.get(1), "servers.log", "servers", "-dht-listen", "127.0.0.1:6881", "-proxy-listen", "127.0.0.1:6882",
                "-state", lab.tmp.resolve("servers").toString(), "-metrics", "9587");
        Await.require(() -> lab.log("servers.log").contains("Metrics at"), Duration.ofSeconds(10), () -> lab.log("servers.log"));
        java.util.Set<String> served = new java.util.HashSet<>();
        after.samples().keySet().forEach(k -> served.add(k.name()));
        scrape(lan.get(1), 9587, null).samples().keySet().forEach(k -> served.add(k.name()));
        String dashboard = Files.readString(Path.of("..", "docs", "grafana", "p2p-dashboard.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("p2p_[a-z_]+").matcher(dashboard);
        int graphed = 0;
        while (m.find()) {
            if (!m.group().equals("p2p_mesh")) {
                assertTrue(served.contains(m.group()), m.group() + " is graphed but not served: " + served);
                graphed++;
            }
        }
        assertTrue(graphed >= 10, "the dashboard graphs the families");
    }

    @Test
    void theServersServeTheirsOnTheirOwnMetricsFlag() throws Exception {
        Netns ns = lab.namespace("servers");
        Netns.Result bad = Netns.exec(ns.wrap(List.of(P2pOptions.dist().resolve("bin/p2p").toString(), "servers",
                "-dht-listen", "127.0.0.1:6881", "-metrics", "nowhere:1")));
        assertEquals(2, bad.code(), "a usage error: " + bad.err());
        assertTrue(bad.err().contains("Invalid -metrics 'nowhere:1'"), bad.err());
        lab.server(ns, "servers.log", "servers", "-dht-listen", "127.0.0.1:6881", "-proxy-listen", "127.0.0.1:6882",
                "-state", lab.tmp.resolve("servers").toString(), "-metrics", "9587");
        Await.require(() -> lab.log("servers.log").contains("Metrics at http://127.0.0.1:9587/metrics"), Duration.ofSeconds(10),
                () -> lab.log("servers.log"));
        Scrape s = scrape(ns, 9587, null);
        assertEquals(200, s.status());
        assertEquals(0.0, s.value("p2p_relay_bytes_total", "{}"));
        assertEquals(0.0, s.value("p2p_relay_allocations", "{}"));
        assertEquals(0.0, s.value("p2p_bootstrap_members", "{}"));
        Await.require(() -> {
            try {
                return scrape(ns, 9587, null).value("p2p_bootstrap_relays", "{}") == 1.0;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> "the bootstrap server never counted its own relay, announced: " + s.text());
        s.value("p2p_bootstrap_refused_total", "{\"reason\": \"unproven\"}");
        s.value("p2p_server_streams", "{\"server\": \"relay\"}");
    }
}
