package io.subutai.p2p.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.P2pException;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.api.ShowRequest;

/**
 * The control API as a client sees it: the protocol of {@link Frames} on a real Unix socket (and
 * TCP port), served by {@link ControlListener} to callers that {@link Callers} checks.
 */
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
        public List<io.subutai.p2p.api.NetworkCounters> counters() {
            calls.add("counters");
            return List.of();
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
    private final List<String> warnings = new ArrayList<>();
    private final List<ControlListener> listeners = new ArrayList<>();
    private Path socket;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("rpc.sock");
        serve(socket, new Callers(Files.getOwner(dir), null), null, ControlServer.REQUEST_NANOS);
    }

    private ControlListener serve(Path unix, Callers callers, InetSocketAddress tcp, long requestNanos) throws IOException {
        ControlListener l = new ControlListener(new ControlApi(network, (session, line) -> {
            shellLines.add(session + ":" + line);
            return new CommandOutput(line.equals("fail") ? 1 : 0, "ran " + line + "\n", "");
        }), unix == null ? null : UnixDomainSocketAddress.of(unix), callers, tcp, token, requestNanos, warnings::add);
        listeners.add(l);
        return l;
    }

    @AfterEach
    void stop() {
        listeners.forEach(ControlListener::close);
        assertEquals(List.of(), warnings);
    }

    /** A reply: the status of its header line and its JSON. */
    record Answer(int status, String body) {
    }

    @Test
    void theDaemonsUserIsServed() throws Exception {
        Answer r = post("show", "{\"hash\":\"h\",\"ip\":\"10.0.0.1\",\"mtu\":false}");
        assertEquals(new Answer(200, "{\"code\":0,\"out\":\"shown\\n\",\"err\":\"\"}"), r);
        assertEquals(List.of("show " + new ShowRequest("h", "10.0.0.1", false, false, false, false)), network.calls);

        assertEquals("{\"code\":0,\"out\":\"9.9.9\\n\",\"err\":\"\"}", post("version", "").body());
        assertEquals("{\"code\":0,\"out\":\"ran lb\\n\",\"err\":\"\"}",
                post("shell", "{\"command\":\"lb\",\"session\":\"s1\"}").body());
        assertEquals(List.of("s1:lb"), shellLines);
    }

    @Test
    void groupMembersRunOnlyTheReadOnlyCommandsAndOthersNothing() throws Exception {
        UserPrincipal someoneElse = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        var group = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("nogroup");
        Path member = dir.resolve("member.sock");
        Path stranger = dir.resolve("stranger.sock");
        serve(member, new Callers(someoneElse, group), null, ControlServer.REQUEST_NANOS);
        serve(stranger, new Callers(someoneElse, null), null, ControlServer.REQUEST_NANOS);
        for (String c : List.of("show", "status", "debug", "version")) {
            assertEquals(200, call(member, Frames.MAGIC + " " + c + " 0", new byte[0]).status(), c);
        }
        for (String c : List.of("start", "stop", "set", "shell", "teleport")) {
            Answer a = call(member, Frames.MAGIC + " " + c + " 2", "{}".getBytes(StandardCharsets.US_ASCII));
            assertEquals(403, a.status(), c);
            assertTrue(a.body().contains("only root may run '" + c + "'"), a.body());
        }
        for (String c : List.of("show", "version", "start")) {
            Answer a = call(stranger, Frames.MAGIC + " " + c + " 0", new byte[0]);
            assertEquals(403, a.status(), c);
            assertTrue(a.body().contains("only root may use"), a.body());
        }
        assertEquals(List.of("show " + new ShowRequest("", "", false, false, false, false), "status ", "debug", "version"),
                network.calls, "nothing else reached the engine");
        assertTrue(shellLines.isEmpty());
    }

    @Test
    void overTcpTheDaemonProvesTheTokenFirstAndTheClientToo() throws Exception {
        ControlListener l = serve(null, null, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ControlServer.REQUEST_NANOS);
        InetSocketAddress at = (InetSocketAddress) l.tcpAddress();
        byte[] cn = new byte[32];
        new SecureRandom().nextBytes(cn);
        byte[] tok = "secret-token".getBytes(StandardCharsets.US_ASCII);
        for (boolean right : new boolean[] {false, true}) {
            try (SocketChannel ch = SocketChannel.open(at)) {
                write(ch, Frames.MAGIC + " HELLO " + HexFormat.of().formatHex(cn) + "\n");
                String[] proof = readLine(ch).split(" ");
                assertEquals("PROOF", proof[1]);
                byte[] dn = HexFormat.of().parseHex(proof[2]);
                assertEquals(HexFormat.of().formatHex(Frames.daemonMac(tok, cn, dn)), proof[3], "the daemon holds the token");
                byte[] mine = Frames.clientMac(right ? tok : "guess".getBytes(StandardCharsets.US_ASCII), cn, dn);
                write(ch, Frames.MAGIC + " version 0 " + HexFormat.of().formatHex(mine) + "\n");
                String head = readLine(ch);
                assertTrue(head.startsWith(Frames.MAGIC + (right ? " 200 " : " 401 ")), head);
            }
        }
        try (SocketChannel ch = SocketChannel.open(at)) {
            write(ch, Frames.MAGIC + " version 0\n");
            assertTrue(readLine(ch).startsWith(Frames.MAGIC + " 400 "), "no HELLO, no service");
        }
        assertEquals(List.of("version"), network.calls);
    }

    /** L6: slow clients cannot hold the API. */
    @Test
    void threeHundredClientsSendingOneBytePerSecondDoNotDelayAValidRequest() throws Exception {
        Path slow = dir.resolve("slow.sock");
        ControlListener l = serve(slow, new Callers(Files.getOwner(dir), null),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TimeUnit.SECONDS.toNanos(3));
        List<SocketChannel> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                clients.add(i % 2 == 0 ? SocketChannel.open(l.tcpAddress())
                        : SocketChannel.open(UnixDomainSocketAddress.of(slow)));
            }
            byte[] header = (Frames.MAGIC + " version 0\n").getBytes(StandardCharsets.US_ASCII);
            for (int second = 0; second < 2; second++) {
                long t0 = System.nanoTime();
                for (SocketChannel c : clients) {
                    c.write(ByteBuffer.wrap(header, second, 1)); // one byte per second each
                }
                long t1 = System.nanoTime();
                Answer a = call(slow, Frames.MAGIC + " version 0", new byte[0]);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
                assertEquals(200, a.status());
                assertTrue(ms < 1000, "a valid request took " + ms + " ms among 300 slow clients");
                Thread.sleep(Math.max(0, 1000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))); // their pace
            }
            // and past the request deadline they are dropped: each reads end of stream
            ByteBuffer one = ByteBuffer.allocate(1);
            for (SocketChannel c : clients) {
                int n;
                try {
                    n = c.read(one); // blocks until the daemon drops it
                } catch (IOException reset) {
                    n = -1;
                }
                assertEquals(-1, n, "a slow client is dropped once its time is up");
            }
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
        }
    }

    @Test
    void startAndStopCarryEveryFlag() throws Exception {
        Answer r = post("start", "{\"ip\":\"10.0.0.1/16\",\"hash\":\"h\",\"mac\":\"06:00:00:00:00:01\","
                + "\"dev\":\"d\",\"key\":\"k\",\"ttl\":\"9\",\"keyfile\":\"f\",\"port\":7,\"ports\":\"1-2\","
                + "\"dht\":\"a:1\",\"fwd\":true}");
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of("start " + new io.subutai.p2p.api.StartRequest("10.0.0.1/16", "h", "06:00:00:00:00:01", "d", "k",
                "9", "f", 7, "1-2", "a:1", true)), network.calls);
        assertEquals(200, post("stop", "{\"hash\":\"h\"}").status());
        assertEquals("stop " + new io.subutai.p2p.api.StopRequest("h", ""), network.calls.get(1));
        assertEquals(400, post("start", "{\"port\":\"7\"}").status());
        assertEquals(400, post("start", "{\"port\":7.5}").status());
    }

    @Test
    void debugAnswersWithTheEnginesTextAndTakesNoFlags() throws Exception {
        Answer r = post("debug", "{}");
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"code\":0,\"out\":\"Version: test\\n\",\"err\":\"\"}", r.body());
        assertEquals(400, post("debug", "{\"hash\":\"h\"}").status());
    }

    @Test
    void jsonIsAFlagOfShowStatusAndDebugOnly() throws Exception {
        assertEquals(200, post("show", "{\"hash\":\"h\",\"json\":true}").status());
        assertEquals(200, post("status", "{\"hash\":\"h\",\"json\":true}").status());
        assertEquals(200, post("status", "{}").status());
        Answer debug = post("debug", "{\"json\":true}");
        assertEquals("{\"code\":0,\"out\":\"{}\\n\",\"err\":\"\"}", debug.body());
        assertEquals(List.of("show " + new ShowRequest("h", "", false, false, false, false, true), "status h json", "status ",
                "debug json"), network.calls);
        for (String command : List.of("start", "stop", "set", "shell", "version")) {
            Answer r = post(command, "{\"json\":true}");
            assertEquals(400, r.status(), command + ": " + r.body());
            assertTrue(r.body().contains("Unknown field 'json'"), r.body());
        }
        assertEquals(400, post("debug", "{\"json\":\"yes\"}").status());
        assertEquals(4, network.calls.size(), "nothing else reached the engine: " + network.calls);
    }

    @Test
    void engineErrorsBecomeCodesAndMessages() throws Exception {
        Answer r = post("show", "{\"hash\":\"boom\"}");
        assertEquals(200, r.status());
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
            Answer r = post("show", c[0]);
            assertEquals(400, r.status(), c[0]);
            assertTrue(r.body().contains(c[1]), r.body());
            assertFalse(r.body().contains("Exception") || r.body().contains("\\tat "), r.body());
        }
        Answer big = call(socket, Frames.MAGIC + " show 70000", new byte[0]);
        assertEquals(400, big.status());
        assertTrue(big.body().contains("larger than 65536"), big.body());
        for (String line : new String[] {"GET /rest/v1/show HTTP/1.1", Frames.MAGIC + " Show 0", Frames.MAGIC + " show -1",
            Frames.MAGIC + "  show 0", Frames.MAGIC + " show 0 xyz", "x".repeat(300)}) {
            Answer a = call(socket, line, new byte[0]);
            assertEquals(400, a.status(), line);
            assertTrue(a.body().contains("Bad request: ") || a.body().contains("Header line longer"), a.body());
        }
        assertEquals(400, post("shell", "{}").status());
        assertTrue(network.calls.isEmpty());
    }

    @Test
    void unknownCommands() throws Exception {
        Answer r = post("teleport", "{}");
        assertEquals(404, r.status());
        assertTrue(r.body().contains("has no command 'teleport'"), r.body());
    }

    @Test
    void tokenFileIsOwnerOnlyAndRemovedOnlyIfStillOurs() throws Exception {
        ApiToken t = ApiToken.random(new SecureRandom());
        Path f = dir.resolve("state/api.token");
        t.writeTo(f);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f));
        String text = Files.readString(f);
        assertEquals(64, text.length());
        byte[] cn = new byte[32];
        byte[] dn = new byte[32];
        assertTrue(t.acceptsClientMac(cn, dn, Frames.clientMac(text.getBytes(StandardCharsets.US_ASCII), cn, dn)));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary file left");
        }
        ApiToken.of("other").deleteFrom(f);
        assertTrue(Files.exists(f), "another daemon's token is left alone");
        t.deleteFrom(f);
        assertFalse(Files.exists(f));
    }

    private Answer post(String command, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return call(socket, Frames.MAGIC + " " + command + " " + b.length, b);
    }

    static Answer call(Path unix, String header, byte[] body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(unix));
            byte[] h = (header + "\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer out = ByteBuffer.allocate(h.length + body.length).put(h).put(body).flip();
            try {
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                // refused before it read everything: its reply is still there to read
            }
            String head = readLine(ch);
            String[] f = head.split(" ");
            assertEquals(Frames.MAGIC, f[0], head);
            byte[] json = new byte[Integer.parseInt(f[2])];
            ByteBuffer in = ByteBuffer.wrap(json);
            while (in.hasRemaining() && ch.read(in) >= 0) {
                // until the announced length
            }
            return new Answer(Integer.parseInt(f[1]), new String(json, StandardCharsets.UTF_8));
        }
    }

    private static void write(SocketChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static String readLine(SocketChannel ch) throws IOException {
        StringBuilder b = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new IOException("end of stream after '" + b + "'");
            }
            if (one.get(0) == '\n') {
                return b.toString();
            }
            b.append((char) one.get(0));
        }
    }
}
