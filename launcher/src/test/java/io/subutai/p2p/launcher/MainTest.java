package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @TempDir
    Path state;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private List<String> requests = List.of();
    private FakeDaemon server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private int runWithInput(String stdin, String... args) {
        Main m = new Main(Map.of("P2P_STATE_DIR", state.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), state, "1.2.3");
        return m.run(Arrays.asList(args));
    }

    private int run(String... args) {
        return runWithInput("", args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A fake daemon that answers every request with {@code reply} and records what it was asked. */
    private int fakeDaemon(int status, String reply) throws IOException {
        int port = freePort();
        server = new FakeDaemon(state, port, status, reply);
        requests = server.requests;
        return port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void versionNeedsNoDaemon() {
        assertEquals(0, run("version"));
        assertEquals("1.2.3\n", out());
        out.reset();
        assertEquals(0, run("-v"));
        assertEquals("p2p version 1.2.3\n", out());
    }

    @Test
    void helpListsEveryCommandAndEachCommandsFlags() {
        assertEquals(0, run("help"));
        for (String c : List.of("daemon", "start", "stop", "show", "status", "set", "debug", "version", "keygen", "help",
                "shell", "dht-server", "proxy-server")) {
            assertTrue(out().contains("\n   " + c + " "), "help lists " + c);
        }
        out.reset();
        assertEquals(0, run("help", "start"));
        assertTrue(out().contains("-fwd") && out().contains("-ports MIN-MAX") && out().contains("-dht HOST:PORT"), out());
        out.reset();
        assertEquals(0, run("help", "set"));
        assertTrue(out().contains("-keyfile FILE") && out().contains("-rpc-tcp"), out());
        out.reset();
        assertEquals(0, run("help", "daemon"));
        assertTrue(out().contains("-rpc-group GROUP") && out().contains("-rpc-tcp"), out());
        out.reset();
        assertEquals(0, run("show", "-h"));
        assertTrue(out().contains("-interfaces"), out());
        assertEquals(3, run("help", "teleport"));
        assertEquals("No help topic for 'teleport'\n", err());
    }

    @Test
    void serversTakeSyslogAndRefuseWhatIsNotHostColonPort() {
        for (String command : List.of("dht-server", "proxy-server", "servers")) {
            err.reset();
            assertEquals(Main.EXIT_USAGE, run(command, "-syslog", "localhost"), command);
            assertEquals("Invalid -syslog 'localhost': give HOST:PORT, e.g. 127.0.0.1:1514\n", err(), command);
        }
    }

    @Test
    void aRelayWithANegativeGlobalCapIsAUsageError() {
        assertEquals(0, run("help", "proxy-server"));
        assertTrue(out().contains("-max-total-mbit MBIT"), out());
        assertEquals(Main.EXIT_USAGE, run("proxy-server", "-max-total-mbit", "-1"));
        assertEquals("Invalid -max-total-mbit -1: give Mbit/s in all, or 0 for no cap\n", err());
    }

    @Test
    void theServersStreamPortFlagsAreDocumentedAndWrongOnesAreUsageErrors() {
        for (String server : List.of("dht-server", "proxy-server")) {
            out.reset();
            assertEquals(0, run("help", server));
            assertTrue(out().contains("-tcp ADDR:PORT") && out().contains("-tls-cert FILE") && out().contains("-tls-key FILE")
                    && out().contains("-ws-path PATH"), out());
        }
        assertEquals(Main.EXIT_USAGE, run("proxy-server", "-tcp", "443"));
        assertEquals("Invalid -tcp '443': give ADDR:PORT, [IPv6]:PORT or :PORT (e.g. :443)\n", err());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("dht-server", "-tcp", ":443", "-tls-cert", "relay.crt"));
        assertEquals("Give -tls-cert and -tls-key together (or neither: a self-signed certificate is made in "
                + state.resolve("dht-server").toAbsolutePath() + ")\n", err());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("proxy-server", "-tls-cert", "relay.crt", "-tls-key", "relay.key"));
        assertEquals("-tls-cert, -tls-key and -ws-path are for the stream port: give -tcp ADDR:PORT too\n", err());
        err.reset();
        Path missing = state.resolve("missing.crt");
        assertEquals(Main.EXIT_USAGE, run("dht-server", "-tcp", ":443", "-tls-cert", missing.toString(), "-tls-key", "k"));
        assertTrue(err().startsWith("Invalid -tls-cert/-tls-key: cannot read the TLS certificate " + missing), err());
        err.reset();
        assertEquals(Main.EXIT_USAGE, run("proxy-server", "-tcp", ":443", "-ws-path", "p2p"));
        assertEquals("Invalid -ws-path 'p2p': give a path such as /p2p\n", err());
    }

    @Test
    void unknownCommandIsExit3AndBadFlagExit2WithHelp() {
        assertEquals(3, run("teleport"));
        assertEquals("No help topic for 'teleport'\n", err());
        err.reset();
        assertEquals(2, run("show", "-x"));
        assertTrue(err().startsWith("Incorrect Usage: flag provided but not defined: -x\n\nNAME:\n   p2p show"), err());
        err.reset();
        assertEquals(2, run("show", "-rpc-port", "-1"), "never falls back to another port");
        assertTrue(err().startsWith("Incorrect Usage: invalid value \"-1\" for flag -rpc-port"), err());
        assertEquals(2, run("version", "-rpc-port", "70000"));
    }

    @Test
    void withNoDaemonEveryClientCommandSaysSoInOneLineAndFails() throws IOException {
        int port = freePort();
        String p = Integer.toString(port);
        assertEquals(115, run("show", "-rpc-port", p), "show keeps the original's code");
        for (String[] cmd : new String[][] {{"status"}, {"debug"}, {"stop", "-hash", "x"}, {"start", "-hash", STRONG},
                {"set", "-log", "debug"}, {"shell", "lb"}}) {
            err.reset();
            String[] argv = Arrays.copyOf(cmd, cmd.length + 2);
            argv[cmd.length] = "-rpc-port";
            argv[cmd.length + 1] = p;
            if (cmd[0].equals("shell")) {
                argv = new String[] {"shell", "-rpc-port", p, "lb"};
            }
            assertEquals(1, run(argv), String.join(" ", cmd));
            String e = err();
            assertEquals(1, e.split("\n").length, "one line: " + e);
            assertTrue(e.contains("not running") && e.contains(Client.socket(state, port).toString()), e);
        }
        assertEquals("", out());
    }

    /** A hash strong enough to start without a warning. */
    private static final String STRONG = "Xq7-kP2_vR9mZ4tL8wN3bY6s";

    @Test
    void keygenPrintsAFresh256BitKeyWithoutADaemon() {
        assertEquals(0, run("keygen"));
        String first = out().strip();
        out.reset();
        assertEquals(0, run("keygen"));
        String second = out().strip();
        assertTrue(first.matches("[A-Za-z0-9_-]{43}"), first);
        assertEquals(32, java.util.Base64.getUrlDecoder().decode(first).length, "256 bits");
        assertTrue(!first.equals(second), "fresh each time");
        assertEquals("", err());
        assertTrue(SecretStrength.bits(first) >= SecretStrength.WEAK_BITS, "and never called weak");
    }

    @Test
    void aWeakSecretStartsWithAOneLineWarningOnStderr() throws IOException {
        int port = fakeDaemon(200, "{\"code\":0,\"out\":\"Instance created\\n\",\"err\":\"\"}");
        String p = Integer.toString(port);
        assertEquals(0, run("start", "-rpc-port", p, "-hash", "office", "-ip", "10.0.0.1"));
        assertEquals(1, err().split("\n").length, err());
        assertTrue(err().startsWith("Warning: the network's secret (its hash, as no -key was given) is weak: about "), err());
        assertTrue(err().contains("'p2p keygen'"), err());
        err.reset();
        assertEquals(0, run("start", "-rpc-port", p, "-hash", "office", "-key", "password1234", "-ip", "10.0.0.1"));
        assertTrue(err().startsWith("Warning: the network's secret (its -key) is weak: about 56 bits"), err()); // 11 characters that count (the double s once), of 36
        err.reset();
        assertEquals(0, run("start", "-rpc-port", p, "-hash", "office", "-key", SecretStrength.newKey(new java.security.SecureRandom()),
                "-ip", "10.0.0.1"));
        assertEquals("", err(), "a key from keygen is not weak, whatever the hash");
        assertEquals(0, run("start", "-rpc-port", p, "-hash", STRONG, "-ip", "10.0.0.1"));
        assertEquals("", err());
        err.reset();
        assertEquals(0, run("set", "-rpc-port", p, "-key", "abc", "-hash", STRONG));
        assertTrue(err().startsWith("Warning: the network's secret (its -key) is weak: about 14 bits"), "set -key too: " + err());
        assertEquals(0, SecretStrength.bits(""), "nothing is no secret");
        assertEquals(SecretStrength.bits("a"), SecretStrength.bits("aaaaaaaa"), "repeats add nothing");
    }

    @Test
    void clientSendsTokenAndFlagsAndPrintsWhatTheDaemonSays() throws IOException {
        int port = fakeDaemon(200, "{\"code\":15,\"out\":\"to out\\n\",\"err\":\"to err\\n\",\"future\":[1]}");
        assertEquals(15, run("show", "-rpc-port", Integer.toString(port), "-hash", "h", "-ip", "10.0.0.9", "-mtu"));
        assertEquals("to out\n", out());
        assertEquals("to err\n", err());
        assertEquals(List.of("show {\"hash\":\"h\",\"check\":\"10.0.0.9\",\"mtu\":true}"), requests);
    }

    @Test
    void jsonFlagsReachTheDaemonAndItsJsonIsPrintedAsItCame() throws IOException {
        String json = "[\\n  {\\n    \\\"hash\\\": \\\"h\\\"\\n  }\\n]\\n";
        int port = fakeDaemon(200, "{\"code\":0,\"out\":\"" + json + "\",\"err\":\"\"}");
        String rpc = Integer.toString(port);
        assertEquals(0, run("show", "-rpc-port", rpc, "-json"));
        assertEquals(0, run("show", "-rpc-port", rpc, "-hash", "h", "--json"));
        assertEquals(0, run("status", "-rpc-port", rpc, "-json"));
        assertEquals(0, run("status", "-rpc-port", rpc, "-hash", "h", "-json=true"));
        assertEquals(0, run("debug", "-rpc-port", rpc, "-json"));
        assertEquals(0, run("debug", "-rpc-port", rpc));
        assertEquals(List.of("show {\"json\":true}", "show {\"hash\":\"h\",\"json\":true}",
                "status {\"json\":true}", "status {\"hash\":\"h\",\"json\":true}",
                "debug {\"json\":true}", "debug {}"), requests);
        assertEquals("[\n  {\n    \"hash\": \"h\"\n  }\n]\n".repeat(6), out());
        assertEquals("", err());
    }

    @Test
    void helpOfShowStatusAndDebugNamesJson() {
        for (String c : List.of("show", "status", "debug")) {
            out.reset();
            assertEquals(0, run("help", c));
            assertTrue(out().contains("\n   -json "), c + ": " + out());
        }
    }

    @Test
    void foreignAnswersAreExplainedAndControlCharactersEscaped() throws Exception {
        int port = fakeDaemon(200, "<html>not p2p</html>");
        assertEquals(115, run("show", "-rpc-port", Integer.toString(port)));
        assertTrue(err().contains("not p2p's"), err());
        stop();
        err.reset();
        port = fakeDaemon(200, "{\"code\":0,\"out\":\"\\u001b]0;owned\\u0007\\u001b[2Jok\\r\\n\",\"err\":\"\\u009b31m\\u202eevil\\n\"}");
        assertEquals(0, run("show", "-rpc-port", Integer.toString(port)));
        assertEquals("\\x1b]0;owned\\x07\\x1b[2Jok\\x0d\n", out(), "no raw escape reaches the terminal");
        assertEquals("\\x9b31m\\u202eevil\n", err());
    }

    @Test
    void startValidatesBeforeAskingTheDaemon() throws IOException {
        int port = fakeDaemon(200, "{\"code\":0,\"out\":\"\",\"err\":\"\"}");
        String p = Integer.toString(port);
        assertEquals(12, run("start", "-rpc-port", p, "-ip", "10.0.0.1"));
        assertEquals("Hash cannot be empty. Please start new instances with -hash VALUE argument\n", err());
        err.reset();
        assertEquals(17, run("start", "-rpc-port", p, "-hash", "a~b"));
        assertTrue(err().startsWith("Hash cannot contain the ~."), err());
        err.reset();
        assertEquals(13, run("start", "-rpc-port", p, "-hash", "h", "-mac", "zz"));
        assertEquals("Invalid MAC address provided\n", err());
        assertTrue(requests.isEmpty(), "no daemon call was made: " + requests);

        assertEquals(0, run("start", "-rpc-port", p, "-hash", "h", "-mac", "06-aa-bb-cc-dd-ee", "-fwd", "-port", "4000"));
        assertEquals(List.of("start {\"hash\":\"h\",\"mac\":\"06-aa-bb-cc-dd-ee\",\"port\":4000,\"fwd\":true}"),
                requests);
        requests.clear();
        assertEquals(0, run("start", "-rpc-port", p, "-hash", "h", "-keyfile", "keys.yaml"));
        String absolute = Path.of("keys.yaml").toAbsolutePath().toString();
        assertTrue(requests.get(0).contains("\"keyfile\":\"" + absolute + "\""), "sent as an absolute path: " + requests);
    }

    /** L4: a key need not be on the command line, where other users can read it. */
    @Test
    void keysComeFromStandardInputOrAFileInsteadOfTheCommandLine() throws IOException {
        int port = fakeDaemon(200, "{\"code\":0,\"out\":\"\",\"err\":\"\"}");
        String p = Integer.toString(port);
        String key = SecretStrength.newKey(new java.security.SecureRandom());
        assertEquals(0, runWithInput("key: " + key + "\nttl: 4000000000\n", "start", "-rpc-port", p, "-hash", STRONG,
                "-keyfile", "-"));
        assertEquals("start {\"hash\":\"" + STRONG + "\",\"key\":\"" + key + "\",\"ttl\":\"4000000000\"}", requests.get(0));
        Path file = state.resolve("k");
        Files.writeString(file, key + "\n");
        assertEquals(0, run("set", "-rpc-port", p, "-hash", STRONG, "-keyfile", file.toString()));
        assertEquals("set {\"hash\":\"" + STRONG + "\",\"key\":\"" + key + "\"}", requests.get(1));
        assertEquals(0, runWithInput("key: '" + key + "'\n", "set", "-rpc-port", p, "-hash", STRONG, "-keyfile", "-"));
        assertEquals(requests.get(1), requests.get(2));
        assertEquals(2, run("set", "-rpc-port", p, "-hash", STRONG, "-keyfile", file.toString(), "-key", "k"));
        assertTrue(err().contains("not both"), err());
        assertEquals(2, runWithInput("", "start", "-rpc-port", p, "-hash", STRONG, "-keyfile", "-"));
        assertTrue(err().contains("standard input holds no key"), err());
        assertEquals(3, requests.size());
        assertTrue(out().isEmpty() && !err().contains(key), "the key is never printed");
    }

    @Test
    void interactiveShellKeepsOneSessionUntilExit() throws IOException {
        int port = fakeDaemon(200, "{\"code\":0,\"out\":\"ok\\n\",\"err\":\"\"}");
        assertEquals(0, runWithInput("x = 5\n\necho $x\nexit\nnot sent\n", "shell", "-rpc-port", Integer.toString(port)));
        assertEquals("ok\nok\n", out());
        assertEquals(2, requests.size());
        String session = requests.get(0).replaceAll(".*\"session\":\"([^\"]+)\".*", "$1");
        assertTrue(requests.get(1).contains("\"session\":\"" + session + "\""), requests.toString());
        assertTrue(requests.get(0).contains("\"command\":\"x = 5\""), requests.toString());
    }

    @Test
    void daemonRefusesToRunWithoutRoot() throws Exception {
        Parsed p = Commands.DAEMON.parse(List.of());
        int code = new Daemon(state, state.resolve("st"), "1.2.3", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(p, false);
        assertEquals(1, code);
        assertTrue(err().contains("P2P cannot run in daemon mode without root privileges"), err());
        assertTrue(Files.notExists(state.resolve("st")), "nothing was written");
    }

    @Test
    void daemonRejectsBadFlagValuesBeforeDoingAnything() throws Exception {
        Daemon d = new Daemon(state, state.resolve("st"), "1.2.3", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-log", "loud")), true));
        assertTrue(err().contains("Unknown log level 'loud'"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-config", state.resolve("none.yaml").toString())), true));
        assertTrue(err().contains("none.yaml does not exist"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-rpc-port", "70000")), true));
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-rpc-group", "p2pt-no-such-group")), true));
        assertTrue(err().contains("-rpc-group p2pt-no-such-group: no such group on this system"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-metrics", "host.example:9586")), true));
        assertTrue(err().contains("Invalid -metrics 'host.example:9586': host.example is not an IP address"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-metrics", "70000")), true));
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-metrics-token", state.resolve("t").toString())), true));
        assertTrue(err().contains("-metrics-token needs -metrics ADDR:PORT"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-metrics", "9586", "-metrics-token", state.resolve("t").toString())),
                true));
        assertTrue(err().contains("/t: cannot read it"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-syslog", "127.0.0.1")), true));
        assertTrue(err().contains("Invalid -syslog '127.0.0.1': give HOST:PORT, e.g. 127.0.0.1:1514"), err());
        assertEquals(1, d.run(Commands.DAEMON.parse(List.of("-syslog", "127.0.0.1:0")), false), "before the root check");
        assertTrue(err().contains("Invalid -syslog '127.0.0.1:0': the port must be 1 to 65535"), err());
        assertTrue(Files.notExists(state.resolve("st")), "nothing was written");
    }

    @Test
    void busyRpcPortIsReported() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertTrue(Daemon.portProblem(s.getLocalPort()).contains("127.0.0.1:" + s.getLocalPort()));
        }
        assertEquals(null, Daemon.portProblem(freePort()));
    }
}
