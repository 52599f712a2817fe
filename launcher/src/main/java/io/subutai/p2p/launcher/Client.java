package io.subutai.p2p.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.subutai.p2p.wire.control.ControlProtocol;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The thin client: one request per connection to the daemon's control API (docs/control-api.md).
 * By default on the Unix socket {@code <state>/control/rpc-<port>.sock}, and only after the
 * kernel said who serves it ({@code SO_PEERCRED}: root, or the owner of the state directory).
 * With {@code -rpc-tcp}, on 127.0.0.1:port, and only after the daemon proved it holds the API
 * token. Nothing of the request is sent to anything else. Replies are size-capped, and the
 * daemon's text is printed with control characters escaped.
 */
final class Client {

    /** What the daemon answered. */
    record Reply(int code, String out, String err) {
    }

    /** The daemon could not be asked; the message is one line for the user. */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    static final String TOKEN_FILE = "api.token";
    static final int MAX_REPLY = 16 * 1024 * 1024;
    /** How long the daemon has to prove itself, or to take the request. */
    static final long HANDSHAKE_MS = 3000;

    private static final JsonFactory JSON = new JsonFactory();
    private static final HexFormat HEX = HexFormat.of();

    private final Path stateDir;
    private final int port;
    private final boolean tcp;

    Client(Path stateDir, int port, boolean tcp) {
        this.stateDir = stateDir;
        this.port = port;
        this.tcp = tcp;
    }

    /** The daemon's control socket for a state directory and rpc port. */
    static Path socket(Path stateDir, int port) {
        return stateDir.resolve("control").resolve("rpc-" + port + ".sock");
    }

    /**
     * @param body           the request's fields (String, Boolean or Integer values)
     * @param readTimeoutMs  how long to wait for the answer; 0 waits as long as it takes
     */
    Reply call(String command, Map<String, Object> body, int readTimeoutMs) throws Unreachable {
        String where = tcp ? "127.0.0.1:" + port : socket(stateDir, port).toString();
        byte[] json = encode(body);
        byte[] token = tcp ? readToken() : null; // before connecting: no token, no connection
        try (Link link = tcp ? tcpLink() : unixLink()) {
            long handshake = System.nanoTime() + HANDSHAKE_MS * 1_000_000;
            String proof = tcp ? " " + HEX.formatHex(proveToDaemon(link, token, handshake)) : "";
            byte[] head = (Link.MAGIC + " " + command + " " + json.length + proof + "\n").getBytes(StandardCharsets.US_ASCII);
            link.write(ByteBuffer.allocate(head.length + json.length).put(head).put(json).array(), handshake);
            long deadline = readTimeoutMs == 0 ? 0 : System.nanoTime() + readTimeoutMs * 1_000_000L;
            int[] f;
            try {
                f = replyHeader(link.readLine(deadline));
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException) {
                    throw e;
                }
                throw new Unreachable("What serves " + where + " gave an answer that is not p2p's: " + e.getMessage()
                        + ". Is -rpc-port right?");
            }
            if (f[0] == 401) {
                throw new Unreachable("The p2p daemon on " + where + " refused the request: the API token at "
                        + stateDir.resolve(TOKEN_FILE) + " is not its token. Set P2P_STATE_DIR to the daemon's state directory.");
            }
            try {
                return decode(link.read(f[1], deadline));
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw new Unreachable("The p2p daemon on " + where + " gave an answer that is not p2p's (status "
                        + f[0] + "): " + e.getMessage());
            }
        } catch (SocketTimeoutException e) {
            throw new Unreachable("The p2p daemon on " + where + " did not answer in time.");
        } catch (IOException e) {
            throw new Unreachable("Cannot talk to the p2p daemon on " + where + ": " + e.getMessage());
        }
    }

    /** The status and length of a reply's header line ({@code P2PCTL/1 STATUS LENGTH}); fuzzed. */
    static int[] replyHeader(byte[] line) throws IOException {
        String[] f = Link.fields(line, 3);
        if (!f[1].matches("[1-5][0-9]{2}") || !f[2].matches("[0-9]{1,9}") || Integer.parseInt(f[2]) > MAX_REPLY) {
            throw new IOException("not a reply of the p2p control protocol");
        }
        return new int[] {Integer.parseInt(f[1]), Integer.parseInt(f[2])};
    }

    /** Connects to the Unix socket, and keeps the connection only if root (or the state directory's owner) serves it. */
    private Link unixLink() throws Unreachable, IOException {
        Path socket = socket(stateDir, port);
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            String m = String.valueOf(e.getMessage());
            if (m.contains("Permission denied")) {
                throw new Unreachable("Permission denied on the p2p daemon's control socket " + socket
                        + ": run p2p as root, or as a member of the daemon's -rpc-group (show, status, debug, version).");
            }
            throw new Unreachable("The p2p daemon is not running (no control socket at " + socket
                    + "). Start it with 'p2p daemon', or give its P2P_STATE_DIR and -rpc-port.");
        }
        try {
            UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            UserPrincipal owner = Files.getOwner(stateDir);
            UserPrincipal root = stateDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
            if (!peer.user().equals(root) && !peer.user().equals(owner)) {
                throw new Unreachable("The p2p daemon is not running: " + socket + " is served by user "
                        + peer.user().getName() + ", not root, so nothing was sent to it.");
            }
            return new Link(ch);
        } catch (Unreachable | IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private Link tcpLink() throws Unreachable, IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) HANDSHAKE_MS);
            return new Link(ch);
        } catch (ConnectException e) {
            ch.close();
            throw new Unreachable("The p2p daemon is not running (nothing listens on 127.0.0.1:" + port
                    + "). Start it with 'p2p daemon -rpc-tcp', or give its -rpc-port.");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * TCP: the daemon must prove it holds the token before anything of the request is sent; then
     * the client's own proof, which goes in the request line.
     */
    private byte[] proveToDaemon(Link link, byte[] token, long deadline) throws Unreachable, IOException {
        byte[] clientNonce = new byte[32];
        new SecureRandom().nextBytes(clientNonce);
        link.write((Link.MAGIC + " HELLO " + HEX.formatHex(clientNonce) + "\n").getBytes(StandardCharsets.US_ASCII), deadline);
        String notDaemon = "The p2p daemon is not running on 127.0.0.1:" + port + ": what listens there did not prove"
                + " it holds the API token at " + stateDir.resolve(TOKEN_FILE) + ", so nothing was sent to it.";
        byte[] daemonNonce;
        try {
            String[] f = Link.fields(link.readLine(deadline), 4);
            if (!f[1].equals("PROOF") || !f[2].matches("[0-9a-f]{64}") || !f[3].matches("[0-9a-f]{64}")) {
                throw new Unreachable(notDaemon);
            }
            daemonNonce = HEX.parseHex(f[2]);
            if (!MessageDigest.isEqual(ControlProtocol.daemonMac(token, clientNonce, daemonNonce), HEX.parseHex(f[3]))) {
                throw new Unreachable(notDaemon);
            }
        } catch (IOException e) {
            throw new Unreachable(notDaemon);
        }
        return ControlProtocol.clientMac(token, clientNonce, daemonNonce);
    }

    private byte[] readToken() throws Unreachable {
        Path file = stateDir.resolve(TOKEN_FILE);
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim().getBytes(StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new Unreachable("The p2p daemon is not running with a TCP control port (no API token at " + file
                    + "); nothing was sent. Start it with 'p2p daemon -rpc-tcp', or leave out -rpc-tcp.");
        } catch (AccessDeniedException e) {
            throw new Unreachable("Cannot read the API token " + file + ": permission denied. Run p2p as root.");
        } catch (IOException e) {
            throw new Unreachable("Cannot read the API token " + file + ": " + e.getMessage());
        }
    }

    static byte[] encode(Map<String, Object> body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : body.entrySet()) {
                Object v = e.getValue();
                if (v instanceof Boolean b) {
                    g.writeBooleanField(e.getKey(), b);
                } else if (v instanceof Integer i) {
                    g.writeNumberField(e.getKey(), i);
                } else if (v != null) {
                    g.writeStringField(e.getKey(), v.toString());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e); // writing to memory does not fail
        }
        return out.toByteArray();
    }

    static Reply decode(byte[] bytes) throws IOException {
        int code = -1;
        String out = "";
        String err = "";
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "code" -> {
                        if (t != JsonToken.VALUE_NUMBER_INT) {
                            throw new IOException("code is not a number");
                        }
                        code = p.getIntValue();
                    }
                    case "out" -> out = Terminal.safe(p.getValueAsString(""));
                    case "err" -> err = Terminal.safe(p.getValueAsString(""));
                    default -> p.skipChildren();
                }
            }
        }
        if (code < 0) {
            throw new IOException("no code");
        }
        return new Reply(code, out, err);
    }
}
