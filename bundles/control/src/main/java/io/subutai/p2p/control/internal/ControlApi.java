package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.P2pException;
import io.subutai.p2p.api.ShowRequest;

/**
 * The control API: {@code POST /rest/v1/<command>} with a JSON object, answered by
 * {@code {"code": n, "out": "...", "err": "..."}} (see docs/control-api.md). Every request must
 * carry the token; one without it gets 401 before its body is read. Malformed requests get a
 * clear message, never a stack trace.
 */
final class ControlApi implements HttpHandler {

    static final String PREFIX = "/rest/v1/";
    static final int MAX_BODY = 64 * 1024;

    private static final Set<String> SHOW_FIELDS = Set.of("hash", "check", "ip", "interfaces", "all", "bind", "mtu");
    private static final Set<String> SHELL_FIELDS = Set.of("command", "session");

    private final ApiToken token;
    private final NetworkService network;
    private final ShellRunner shell;
    private final ObjectMapper json = new ObjectMapper();

    ControlApi(ApiToken token, NetworkService network, ShellRunner shell) {
        this.token = token;
        this.network = network;
        this.shell = shell;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!token.accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
                reply(exchange, 401, CommandOutput.error(1, "Unauthorized: this request did not carry the daemon's API token\n"));
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                reply(exchange, 405, CommandOutput.error(1, "Use POST for " + exchange.getRequestURI().getPath() + "\n"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String command = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
            if (!command.equals("version") && !command.equals("show") && !command.equals("shell")) {
                reply(exchange, 404, CommandOutput.error(1, "This daemon (version " + network.version()
                        + ") has no command '" + path + "'\n"));
                return;
            }
            JsonNode body;
            try {
                body = readBody(exchange.getRequestBody());
            } catch (BadRequest e) {
                reply(exchange, 400, CommandOutput.error(1, e.getMessage() + "\n"));
                return;
            }
            CommandOutput out;
            try {
                out = switch (command) {
                    case "version" -> CommandOutput.ok(network.version() + "\n");
                    case "show" -> show(body);
                    default -> shell(body);
                };
            } catch (BadRequest e) {
                reply(exchange, 400, CommandOutput.error(1, e.getMessage() + "\n"));
                return;
            } catch (P2pException e) {
                out = CommandOutput.error(e.code(), e.getMessage() + "\n");
            } catch (RuntimeException e) {
                out = CommandOutput.error(1, "Internal error in " + command + ": " + e + "\n");
            }
            reply(exchange, 200, out);
        }
    }

    private CommandOutput show(JsonNode body) throws BadRequest {
        allowOnly(body, SHOW_FIELDS);
        String check = text(body, "check");
        if (check.isEmpty()) {
            check = text(body, "ip");
        }
        return network.show(new ShowRequest(text(body, "hash"), check, bool(body, "interfaces"), bool(body, "all"),
                bool(body, "bind"), bool(body, "mtu")));
    }

    private CommandOutput shell(JsonNode body) throws BadRequest {
        allowOnly(body, SHELL_FIELDS);
        String line = text(body, "command");
        if (line.isBlank()) {
            throw new BadRequest("Field 'command' must be a non-empty command line");
        }
        return shell.run(text(body, "session"), line);
    }

    private JsonNode readBody(InputStream in) throws IOException, BadRequest {
        byte[] bytes = in.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new BadRequest("Request body is larger than " + MAX_BODY + " bytes");
        }
        if (bytes.length == 0) {
            return json.createObjectNode();
        }
        JsonNode node;
        try {
            node = json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new BadRequest("Failed to read request body: malformed JSON at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        }
        if (node == null || node.isMissingNode()) {
            return json.createObjectNode();
        }
        if (!node.isObject()) {
            throw new BadRequest("Failed to read request body: expected a JSON object");
        }
        return node;
    }

    private static void allowOnly(JsonNode body, Set<String> fields) throws BadRequest {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw new BadRequest("Unknown field '" + f + "'");
            }
        }
    }

    private static String text(JsonNode body, String field) throws BadRequest {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new BadRequest("Field '" + field + "' must be a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode body, String field) throws BadRequest {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new BadRequest("Field '" + field + "' must be true or false");
        }
        return v.asBoolean();
    }

    private void reply(HttpExchange exchange, int status, CommandOutput out) throws IOException {
        ObjectNode node = json.createObjectNode();
        node.put("code", out.code());
        node.put("out", out.out());
        node.put("err", out.err());
        byte[] bytes = json.writeValueAsBytes(node);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** A request the API cannot take; the message is for the user. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

}
