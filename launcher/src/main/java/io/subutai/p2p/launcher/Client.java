package io.subutai.p2p.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The thin client: one POST of a JSON object to {@code http://127.0.0.1:<port>/rest/v1/<command>}
 * with the daemon's API token, answered by {@code {"code", "out", "err"}}.
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

    private static final JsonFactory JSON = new JsonFactory();

    private final Path stateDir;
    private final int port;

    Client(Path stateDir, int port) {
        this.stateDir = stateDir;
        this.port = port;
    }

    /**
     * @param body           the request's fields (String, Boolean or Integer values)
     * @param readTimeoutMs  how long to wait for the answer; 0 waits as long as it takes
     */
    Reply call(String command, Map<String, Object> body, int readTimeoutMs) throws Unreachable {
        String token = readToken();
        HttpURLConnection c;
        try {
            c = (HttpURLConnection) new URL("http", "127.0.0.1", port, "/rest/v1/" + command).openConnection();
        } catch (IOException e) {
            throw new Unreachable("Cannot reach the p2p daemon: " + e.getMessage());
        }
        try {
            c.setConnectTimeout(3000);
            c.setReadTimeout(readTimeoutMs);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            byte[] request = encode(body);
            c.setFixedLengthStreamingMode(request.length);
            try (OutputStream os = c.getOutputStream()) {
                os.write(request);
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] bytes = in == null ? new byte[0] : in.readAllBytes();
            if (status == 401) {
                throw new Unreachable("The p2p daemon on 127.0.0.1:" + port + " refused the request: "
                        + (token == null ? "no API token at " + stateDir.resolve(TOKEN_FILE)
                        : "the API token at " + stateDir.resolve(TOKEN_FILE) + " is not its token")
                        + ". Set P2P_STATE_DIR to the daemon's state directory.");
            }
            try {
                return decode(bytes);
            } catch (IOException e) {
                throw new Unreachable("The p2p daemon on 127.0.0.1:" + port + " gave an answer that is not p2p's (HTTP "
                        + status + "). Is -rpc-port right?");
            }
        } catch (ConnectException e) {
            throw new Unreachable("The p2p daemon is not running (nothing listens on 127.0.0.1:" + port
                    + "). Start it with 'p2p daemon', or give its -rpc-port.");
        } catch (SocketTimeoutException e) {
            throw new Unreachable("The p2p daemon on 127.0.0.1:" + port + " did not answer in time.");
        } catch (IOException e) {
            throw new Unreachable("Cannot talk to the p2p daemon on 127.0.0.1:" + port + ": " + e.getMessage());
        } finally {
            c.disconnect();
        }
    }

    private String readToken() throws Unreachable {
        Path file = stateDir.resolve(TOKEN_FILE);
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null; // the daemon is probably not running; the call says so
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
                    case "out" -> out = p.getValueAsString("");
                    case "err" -> err = p.getValueAsString("");
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
