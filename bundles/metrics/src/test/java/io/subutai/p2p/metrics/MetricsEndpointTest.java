package io.subutai.p2p.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

class MetricsEndpointTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger scrapes = new AtomicInteger();
    private MetricsEndpoint endpoint;

    private MetricSnapshots metrics() {
        return MetricSnapshots.of(CounterSnapshot.builder().name("p2p_scrapes").help("scrapes so far")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("network", "abc"))
                        .value(scrapes.incrementAndGet()).build()).build());
    }

    private HttpResponse<String> get(String path, String authorization, String method) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @AfterEach
    void close() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Test
    void servesThePrometheusTextFormatAtMetricsOnlyAndOnlyWithTheToken() throws Exception {
        endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), "t0ken", this::metrics, "p2p-metrics-test");
        HttpResponse<String> ok = get("/metrics", "Bearer t0ken", "GET");
        assertEquals(200, ok.statusCode());
        assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), ok.headers().toString());
        assertTrue(ok.body().contains("# TYPE p2p_scrapes_total counter\np2p_scrapes_total{network=\"abc\"} 1.0\n"), ok.body());
        assertTrue(get("/metrics?x=1", "Bearer t0ken", "GET").body().contains("} 2.0\n"), "collected at every scrape");

        assertEquals(401, get("/metrics", null, "GET").statusCode());
        assertEquals(401, get("/metrics", "Bearer t0ke", "GET").statusCode());
        assertEquals(401, get("/metrics", "Bearer t0kenX", "GET").statusCode());
        assertEquals("Bearer", get("/metrics", null, "GET").headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(404, get("/", "Bearer t0ken", "GET").statusCode());
        HttpResponse<String> post = get("/metrics", "Bearer t0ken", "POST");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> head = get("/metrics", "Bearer t0ken", "HEAD");
        assertEquals(200, head.statusCode());
        assertTrue(head.body().isEmpty());
        assertEquals(3, scrapes.get(), "two GETs and a HEAD: 401, 404 and 405 collect nothing");
    }

    @Test
    void garbageAndOversizedRequestsAreRefusedAndTheEndpointGoesOn() throws Exception {
        endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), null, this::metrics, "p2p-metrics-test");
        assertTrue(raw("\u0000\u0001 garbage\r\n\r\n").startsWith("HTTP/1.1 400"), "not HTTP");
        String huge = "GET /metrics HTTP/1.1\r\nX: " + "a".repeat(MetricsEndpoint.MAX_REQUEST * 2) + "\r\n\r\n";
        assertFalse(raw(huge).startsWith("HTTP/1.1 200"), "a request larger than it reads");
        assertEquals(200, get("/metrics", null, "GET").statusCode(), "without a token, anyone on the address may read");
    }

    /** Sends {@code request} as it is and returns what comes back until the endpoint closes. */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", endpoint.address().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                return "closed: " + e.getMessage(); // it closed while we were still sending
            }
            InputStream in = s.getInputStream();
            try {
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return "reset: " + e.getMessage();
            }
        }
    }

    @Test
    void anAddressInUseSaysSo() throws Exception {
        endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), null, this::metrics, "p2p-metrics-test");
        IOException e = assertThrows(IOException.class, () -> MetricsEndpoint.start(endpoint.address(), null, this::metrics,
                "p2p-metrics-test2"));
        assertTrue(e.getMessage().startsWith("cannot listen for metrics on TCP 127.0.0.1:" + endpoint.address().getPort()),
                e.getMessage());
        // its thread is gone (Netty tells the group's end a moment before the thread's)
        org.awaitility.Awaitility.await("its thread is gone").atMost(java.time.Duration.ofSeconds(5)).until(() -> Thread
                .getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("p2p-metrics-test2")));
    }

    @Test
    void theTokenIsTheFilesFirstLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("token");
        Files.writeString(f, "  abc \nignored\n");
        assertEquals("abc", MetricsEndpoint.readToken(f));
        Files.writeString(f, "\n");
        assertThrows(IOException.class, () -> MetricsEndpoint.readToken(f));
    }
}
