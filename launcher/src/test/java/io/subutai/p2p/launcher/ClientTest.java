package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client reaches the daemon and nothing else: H5 of the threat review (the CLI sent the
 * network's secrets to whatever listened on the rpc port).
 */
class ClientTest {

    private static final String KEY = "Zx9-secret-key-Qw7";
    private static final String HASH = "Hh3-secret-hash-Pp5";

    @TempDir
    Path state;

    private static Map<String, Object> startWithKey() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hash", HASH);
        m.put("key", KEY);
        return m;
    }

    /** A plain TCP listener on the rpc port (as any local user can bind it): records what it receives, answers {@code answer}. */
    private static final class Squatter implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<byte[]> received = Collections.synchronizedList(new ArrayList<>());
        final Thread thread;

        Squatter(String answer) throws IOException {
            thread = new Thread(() -> {
                while (true) {
                    try (Socket s = server.accept()) {
                        s.setSoTimeout(1000);
                        OutputStream out = s.getOutputStream();
                        out.write(answer.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        InputStream in = s.getInputStream();
                        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                        try {
                            for (int b; (b = in.read()) >= 0; ) {
                                got.write(b);
                            }
                        } catch (IOException timeout) {
                            // the client waits for an answer: what it sent so far is all it sends
                        }
                        received.add(got.toByteArray());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "p2pt-squatter");
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        String all() {
            StringBuilder b = new StringBuilder();
            synchronized (received) {
                received.forEach(r -> b.append(new String(r, StandardCharsets.ISO_8859_1)));
            }
            return b.toString();
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(3000);
        }
    }

    @Test
    void aTcpListenerThatCannotProveTheTokenGetsNothingOfTheRequest() throws Exception {
        for (String answer : new String[] {"", "HTTP/1.1 200 OK\r\n\r\n{\"code\":0,\"out\":\"\",\"err\":\"\"}",
            "P2PCTL/1 PROOF " + "ab".repeat(32) + " " + "cd".repeat(32) + "\n"}) {
            Squatter first = new Squatter(answer);
            int port = first.port();
            try (first) {
                // the default: the Unix socket; the TCP port is not even tried
                Client.Unreachable unix = assertThrows(Client.Unreachable.class,
                        () -> new Client(state, port, false).call("start", startWithKey(), 0));
                assertTrue(unix.getMessage().contains("not running"), unix.getMessage());
                // TCP without a token file: refused before connecting
                Client.Unreachable noToken = assertThrows(Client.Unreachable.class,
                        () -> new Client(state, port, true).call("start", startWithKey(), 0));
                assertTrue(noToken.getMessage().contains("not running") && noToken.getMessage().contains("no API token"),
                        noToken.getMessage());
            }
            assertEquals(0, first.received.size(), "no connection was made");
            // a stale token (a crashed daemon's): the listener must prove it, and cannot
            try (Squatter squatter = new Squatter(answer)) {
                Files.writeString(state.resolve("api.token"), "stale-token\n");
                Client.Unreachable stale = assertThrows(Client.Unreachable.class,
                        () -> new Client(state, squatter.port(), true).call("start", startWithKey(), 0));
                assertTrue(stale.getMessage().contains("not running") && stale.getMessage().contains("nothing was sent"),
                        stale.getMessage());
                squatter.close();
                String got = squatter.all();
                assertEquals(1, squatter.received.size(), "one connection");
                assertFalse(got.contains(KEY) || got.contains(HASH) || got.contains("start") || got.contains("stale"),
                        "the squatter received: " + got);
                assertTrue(got.matches("P2PCTL/1 HELLO [0-9a-f]{64}\n"), "a nonce and nothing else: " + got);
                Files.delete(state.resolve("api.token"));
            }
        }
    }

    @Test
    void aUnixSocketServedByAnotherUserThanRootGetsNothingOfTheRequest() throws Exception {
        assumeTrue(Main.isRoot(), "needs root to run a listener as nobody");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "needs setpriv and python3");
        int port = 52523;
        Path socket = Client.socket(state, port);
        Files.createDirectories(socket.getParent());
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        String script = "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen()\nprint('ready',flush=True)\n"
                + "c,_=s.accept()\nc.settimeout(3)\ndata=b''\n"
                + "try:\n  while True:\n    d=c.recv(4096)\n    if not d: break\n    data+=d\nexcept Exception: pass\n"
                + "print('got:'+data.hex(),flush=True)\n";
        Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script,
                socket.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            Client.Unreachable e = assertThrows(Client.Unreachable.class,
                    () -> new Client(state, port, false).call("start", startWithKey(), 0));
            assertTrue(e.getMessage().contains("not running") && e.getMessage().contains("not root")
                    && e.getMessage().contains("nothing was sent"), e.getMessage());
            assertEquals("got:", out.readLine(), "the listener received nothing");
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStaleSocketSaysTheDaemonIsNotRunning() throws Exception {
        Path socket = Client.socket(state, 4000);
        Files.createDirectories(socket.getParent());
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(socket));
        } // closed: the file stays, as after a crash
        Client.Unreachable e = assertThrows(Client.Unreachable.class,
                () -> new Client(state, 4000, false).call("status", Map.of(), 0));
        assertTrue(e.getMessage().startsWith("The p2p daemon is not running (no control socket at " + socket), e.getMessage());
    }

    @Test
    void oversizedRepliesAreRefused() throws Exception {
        try (FakeDaemon d = new FakeDaemon(state, 4001, 200, "x".repeat(10))) {
            Path socket = Client.socket(state, 4001);
            assertTrue(Files.exists(socket));
        }
        Path socket = Client.socket(state, 4002);
        Files.createDirectories(socket.getParent());
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            Thread t = new Thread(() -> {
                try (var c = server.accept()) {
                    FakeDaemon.line(c);
                    c.write(java.nio.ByteBuffer.wrap(("P2PCTL/1 200 " + (Client.MAX_REPLY + 1) + "\n")
                            .getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    // the client hung up
                }
            }, "p2pt-big");
            t.start();
            Client.Unreachable e = assertThrows(Client.Unreachable.class,
                    () -> new Client(state, 4002, false).call("debug", Map.of(), 5000));
            assertTrue(e.getMessage().contains("not p2p's"), e.getMessage());
            t.join(5000);
        }
    }

    @Test
    void encodesStringsBooleansAndNumbersEscaped() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hash", "a\"b\\c\n");
        m.put("fwd", true);
        m.put("port", 7);
        assertEquals("{\"hash\":\"a\\\"b\\\\c\\n\",\"fwd\":true,\"port\":7}",
                new String(Client.encode(m), StandardCharsets.UTF_8));
    }

    @Test
    void decodesRepliesAndRejectsForeignOnes() throws IOException {
        assertEquals(new Client.Reply(3, "o", "e"), decode("{\"err\":\"e\",\"code\":3,\"x\":{\"y\":[1]},\"out\":\"o\"}"));
        assertEquals(new Client.Reply(0, "", ""), decode("{\"code\":0}"));
        for (String bad : new String[] {"", "[]", "{\"out\":\"x\"}", "{\"code\":\"0\"}", "{\"code\":0", "<html>"}) {
            assertThrows(IOException.class, () -> decode(bad), bad);
        }
    }

    private static Client.Reply decode(String s) throws IOException {
        return Client.decode(s.getBytes(StandardCharsets.UTF_8));
    }
}
