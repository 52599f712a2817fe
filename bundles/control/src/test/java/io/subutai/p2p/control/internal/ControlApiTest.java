package io.subutai.p2p.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.P2pException;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.api.ShowRequest;

class ControlApiTest {

    /** Records every call that reaches the engine. */
    static final class RecordingNetwork implements NetworkService {
        final List<String> calls = new ArrayList<>();

        @Override
        public String version() {
            calls.add("version");
            return "9.9.9";
        }

        @Override
        public List<NetworkInfo> networks() {
            calls.add("networks");
            return List.of();
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public List<PluginInfo> plugins() {
            return List.of();
        }

        @Override
        public CommandOutput start(io.subutai.p2p.api.StartRequest request) {
            calls.add("start " + request);
            return CommandOutput.ok("started\n");
        }

        @Override
        public CommandOutput stop(io.subutai.p2p.api.StopRequest request) {
            calls.add("stop " + request);
            return CommandOutput.ok("stopped\n");
        }

        @Override
        public CommandOutput set(io.subutai.p2p.api.SetRequest request) {
            calls.add("set " + request);
            return CommandOutput.ok("");
        }

        @Override
        public CommandOutput status(String hash, boolean json) {
            calls.add("status " + hash + (json ? " json" : ""));
            return CommandOutput.ok("[]\n");
        }

        @Override
        public CommandOutput debug(boolean json) {
            calls.add("debug" + (json ? " json" : ""));
            return CommandOutput.ok(json ? "{}\n" : "Version: test\n");
        }

        @Override
        public io.subutai.p2p.api.DaemonSnapshot snapshot() {
            calls.add("snapshot");
            return new io.subutai.p2p.api.DaemonSnapshot("9.9.9", 1, 1, false, List.of());
        }

        @Override
        public CommandOutput show(ShowRequest request) {
            calls.add("show " + request);
            if (request.hash().equals("boom")) {
                throw new P2pException(15, "Specified environment was not found");
            }
            return CommandOutput.ok("shown\n");
        }
    }

    @TempDir
    Path dir;

    private final RecordingNetwork network = new RecordingNetwork();
    private final List<String> shellLines = new ArrayList<>();
    private final ApiToken token = ApiToken.of("secret-token");
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", new ControlApi(token, network, (session, line) -> {
            shellLines.add(session + ":" + line);
            return new CommandOutput(line.equals("fail") ? 1 : 0, "ran " + line + "\n", "");
        }));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void requestWithoutTokenIs401AndChangesNothing() throws Exception {
        for (String auth : new String[] {null, "Bearer wrong", "secret-token", "Bearer secret-token-and-more", "Basic x"}) {
            HttpResponse<String> r = post("/rest/v1/shell", "{\"command\":\"stop 0\"}", auth);
            assertEquals(401, r.statusCode(), "auth " + auth);
            assertTrue(r.body().contains("API token"), r.body());
        }
        assertTrue(network.calls.isEmpty(), "no call reached the engine: " + network.calls);
        assertTrue(shellLines.isEmpty(), "no command line ran: " + shellLines);
    }

    @Test
    void rightTokenIsServed() throws Exception {
        HttpResponse<String> r = post("/rest/v1/show", "{\"hash\":\"h\",\"ip\":\"10.0.0.1\",\"mtu\":false}", "Bearer secret-token");
        assertEquals(200, r.statusCode());
        assertEquals("{\"code\":0,\"out\":\"shown\\n\",\"err\":\"\"}", r.body());
        assertEquals(List.of("show " + new ShowRequest("h", "10.0.0.1", false, false, false, false)), network.calls);

        assertEquals("{\"code\":0,\"out\":\"9.9.9\\n\",\"err\":\"\"}", post("/rest/v1/version", "", "Bearer secret-token").body());
        assertEquals("{\"code\":0,\"out\":\"ran lb\\n\",\"err\":\"\"}",
                post("/rest/v1/shell", "{\"command\":\"lb\",\"session\":\"s1\"}", "Bearer secret-token").body());
        assertEquals(List.of("s1:lb"), shellLines);
    }

    @Test
    void startAndStopCarryEveryFlag() throws Exception {
        HttpResponse<String> r = post("/rest/v1/start", "{\"ip\":\"10.0.0.1/16\",\"hash\":\"h\",\"mac\":\"06:00:00:00:00:01\","
                + "\"dev\":\"d\",\"key\":\"k\",\"ttl\":\"9\",\"keyfile\":\"f\",\"port\":7,\"ports\":\"1-2\","
                + "\"dht\":\"a:1\",\"fwd\":true}", "Bearer secret-token");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(List.of("start " + new io.subutai.p2p.api.StartRequest("10.0.0.1/16", "h", "06:00:00:00:00:01", "d", "k",
                "9", "f", 7, "1-2", "a:1", true)), network.calls);
        assertEquals(200, post("/rest/v1/stop", "{\"hash\":\"h\"}", "Bearer secret-token").statusCode());
        assertEquals("stop " + new io.subutai.p2p.api.StopRequest("h", ""), network.calls.get(1));
        assertEquals(400, post("/rest/v1/start", "{\"port\":\"7\"}", "Bearer secret-token").statusCode());
        assertEquals(400, post("/rest/v1/start", "{\"port\":7.5}", "Bearer secret-token").statusCode());
    }

    @Test
    void debugAnswersWithTheEnginesTextAndTakesNoFlags() throws Exception {
        HttpResponse<String> r = post("/rest/v1/debug", "{}", "Bearer secret-token");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"code\":0,\"out\":\"Version: test\\n\",\"err\":\"\"}", r.body());
        assertEquals(400, post("/rest/v1/debug", "{\"hash\":\"h\"}", "Bearer secret-token").statusCode());
    }

    @Test
    void jsonIsAFlagOfShowStatusAndDebugOnly() throws Exception {
        assertEquals(200, post("/rest/v1/show", "{\"hash\":\"h\",\"json\":true}", "Bearer secret-token").statusCode());
        assertEquals(200, post("/rest/v1/status", "{\"hash\":\"h\",\"json\":true}", "Bearer secret-token").statusCode());
        assertEquals(200, post("/rest/v1/status", "{}", "Bearer secret-token").statusCode());
        HttpResponse<String> debug = post("/rest/v1/debug", "{\"json\":true}", "Bearer secret-token");
        assertEquals("{\"code\":0,\"out\":\"{}\\n\",\"err\":\"\"}", debug.body());
        assertEquals(List.of("show " + new ShowRequest("h", "", false, false, false, false, true), "status h json", "status ",
                "debug json"), network.calls);
        for (String command : List.of("start", "stop", "set", "shell", "version")) {
            HttpResponse<String> r = post("/rest/v1/" + command, "{\"json\":true}", "Bearer secret-token");
            assertEquals(400, r.statusCode(), command + ": " + r.body());
            assertTrue(r.body().contains("Unknown field 'json'"), r.body());
        }
        assertEquals(400, post("/rest/v1/debug", "{\"json\":\"yes\"}", "Bearer secret-token").statusCode());
        assertEquals(4, network.calls.size(), "nothing else reached the engine: " + network.calls);
    }

    @Test
    void engineErrorsBecomeCodesAndMessages() throws Exception {
        HttpResponse<String> r = post("/rest/v1/show", "{\"hash\":\"boom\"}", "Bearer secret-token");
        assertEquals(200, r.statusCode());
        assertEquals("{\"code\":15,\"out\":\"\",\"err\":\"Specified environment was not found\\n\"}", r.body());
    }

    @Test
    void malformedRequestsGetClearMessagesNeverStackTraces() throws Exception {
        String[][] cases = {
            {"{\"hash\":", "malformed JSON"},
            {"[1,2]", "expected a JSON object"},
            {"{\"hash\":5}", "Field 'hash' must be a string"},
            {"{\"mtu\":\"yes\"}", "Field 'mtu' must be true or false"},
            {"{\"colour\":\"blue\"}", "Unknown field 'colour'"},
            {"\"\u0000\u0000\u0000\"\u0000a{\u0000\u0000}", "Failed to read request body"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post("/rest/v1/show", c[0], "Bearer secret-token");
            assertEquals(400, r.statusCode(), c[0]);
            assertTrue(r.body().contains(c[1]), r.body());
            assertFalse(r.body().contains("Exception") || r.body().contains("\\tat "), r.body());
        }
        HttpResponse<String> big = post("/rest/v1/show", "{\"hash\":\"" + "x".repeat(70_000) + "\"}", "Bearer secret-token");
        assertEquals(400, big.statusCode());
        assertEquals(400, post("/rest/v1/shell", "{}", "Bearer secret-token").statusCode());
        assertTrue(network.calls.isEmpty());
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        HttpResponse<String> r = post("/rest/v1/teleport", "{}", "Bearer secret-token");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("has no command '/rest/v1/teleport'"), r.body());
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/rest/v1/show"))
                .header("Authorization", "Bearer secret-token").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }

    @Test
    void tokenFileIsOwnerOnlyAndRemovedOnlyIfStillOurs() throws Exception {
        ApiToken t = ApiToken.random(new SecureRandom());
        Path f = dir.resolve("state/api.token");
        t.writeTo(f);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f));
        String text = Files.readString(f);
        assertEquals(64, text.length());
        assertTrue(t.accepts("Bearer " + text));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary file left");
        }
        ApiToken.of("other").deleteFrom(f);
        assertTrue(Files.exists(f), "another daemon's token is left alone");
        t.deleteFrom(f);
        assertFalse(Files.exists(f));
    }

    private HttpResponse<String> post(String path, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
