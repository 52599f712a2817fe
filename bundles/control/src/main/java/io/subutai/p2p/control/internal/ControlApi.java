package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.P2pException;
import io.subutai.p2p.api.ShowRequest;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.api.StopRequest;

/**
 * The control API's commands: a command name with a JSON object, answered by
 * {@code {"code": n, "out": "...", "err": "..."}} (see docs/control-api.md). Who may call which
 * command is checked before (by {@link ControlListener}); this class parses and runs. Malformed
 * requests get a clear message, never a stack trace.
 */
final class ControlApi {

    static final int MAX_BODY = 64 * 1024;

    private static final Set<String> SHOW_FIELDS = Set.of("hash", "check", "ip", "interfaces", "all", "bind", "mtu",
            "json");
    private static final Set<String> SHELL_FIELDS = Set.of("command", "session");
    private static final Set<String> START_FIELDS = Set.of("ip", "hash", "mac", "dev", "key", "ttl", "keyfile", "port",
            "ports", "dht", "fwd", "crypto", "bridge", "proxy");
    private static final Set<String> STOP_FIELDS = Set.of("hash", "dev");
    private static final Set<String> STATUS_FIELDS = Set.of("hash", "json");
    private static final Set<String> DEBUG_FIELDS = Set.of("json");
    private static final Set<String> SET_FIELDS = Set.of("log", "ip", "hash", "key", "ttl", "revoke");
    private static final Set<String> READ_ONLY = Set.of("version", "show", "status", "debug");
    private static final Set<String> COMMANDS = Set.of("version", "show", "shell", "start", "stop", "status", "set",
            "debug");

    private final NetworkService network;
    private final ShellRunner shell;
    private final JsonFactory json = new JsonFactory();

    ControlApi(NetworkService network, ShellRunner shell) {
        this.network = network;
        this.shell = shell;
    }

    /** Whether {@code command} is one that members of the rpc group may run (it changes nothing). */
    static boolean readOnly(String command) {
        return READ_ONLY.contains(command);
    }

    /** Whether this daemon has {@code command}. */
    static boolean known(String command) {
        return COMMANDS.contains(command);
    }

    /**
     * Runs one request whose caller was already checked (its access and its command): parses the
     * body and answers with a status (200, 400, 404) and the command's output.
     */
    Reply handle(String command, byte[] bodyBytes) {
        if (!COMMANDS.contains(command)) {
            return new Reply(404, CommandOutput.error(1, "This daemon (version " + network.version()
                    + ") has no command '" + command + "'\n"));
        }
        CommandOutput out;
        try {
            if (bodyBytes.length > MAX_BODY) {
                throw new BadRequest("Request body is larger than " + MAX_BODY + " bytes");
            }
            Map<String, Object> body = parseBody(json, bodyBytes);
            out = switch (command) {
                case "version" -> {
                    allowOnly(body, Set.of());
                    yield CommandOutput.ok(network.version() + "\n");
                }
                case "show" -> show(body);
                case "start" -> start(body);
                case "stop" -> stop(body);
                case "set" -> {
                    allowOnly(body, SET_FIELDS);
                    yield network.set(new io.subutai.p2p.api.SetRequest(text(body, "log"), text(body, "ip"),
                            text(body, "hash"), text(body, "key"), text(body, "ttl"), text(body, "revoke")));
                }
                case "debug" -> {
                    allowOnly(body, DEBUG_FIELDS);
                    yield network.debug(bool(body, "json"));
                }
                case "status" -> {
                    allowOnly(body, STATUS_FIELDS);
                    yield network.status(text(body, "hash"), bool(body, "json"));
                }
                default -> shell(body);
            };
        } catch (BadRequest e) {
            return new Reply(400, CommandOutput.error(1, e.getMessage() + "\n"));
        } catch (P2pException e) {
            out = CommandOutput.error(e.code(), e.getMessage() + "\n");
        } catch (RuntimeException e) {
            out = CommandOutput.error(1, "Internal error in " + command + ": " + e + "\n");
        }
        return new Reply(200, out);
    }

    private CommandOutput show(Map<String, Object> body) throws BadRequest {
        allowOnly(body, SHOW_FIELDS);
        String check = text(body, "check");
        if (check.isEmpty()) {
            check = text(body, "ip");
        }
        return network.show(new ShowRequest(text(body, "hash"), check, bool(body, "interfaces"), bool(body, "all"),
                bool(body, "bind"), bool(body, "mtu"), bool(body, "json")));
    }

    private CommandOutput start(Map<String, Object> body) throws BadRequest {
        allowOnly(body, START_FIELDS);
        return network.start(new StartRequest(text(body, "ip"), text(body, "hash"), text(body, "mac"), text(body, "dev"),
                text(body, "key"), text(body, "ttl"), text(body, "keyfile"), integer(body, "port"), text(body, "ports"),
                text(body, "dht"), bool(body, "fwd"), text(body, "crypto"), bool(body, "bridge"),
                text(body, "proxy")));
    }

    private CommandOutput stop(Map<String, Object> body) throws BadRequest {
        allowOnly(body, STOP_FIELDS);
        return network.stop(new StopRequest(text(body, "hash"), text(body, "dev")));
    }

    private CommandOutput shell(Map<String, Object> body) throws BadRequest {
        allowOnly(body, SHELL_FIELDS);
        String line = text(body, "command");
        if (line.isBlank()) {
            throw new BadRequest("Field 'command' must be a non-empty command line");
        }
        return shell.run(text(body, "session"), line);
    }

    /**
     * Reads a flat JSON object whose values are strings, booleans, numbers or null; anything else
     * is a {@link BadRequest} (fuzzed: nothing else may come out of it).
     */
    static Map<String, Object> parseBody(JsonFactory json, byte[] bytes) throws BadRequest {
        Map<String, Object> body = new HashMap<>();
        if (bytes.length == 0) {
            return body;
        }
        String text;
        try {
            // UTF-8 only (Jackson would guess UTF-16/32 from the bytes and fail in other ways)
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest("Failed to read request body: not UTF-8");
        }
        try (JsonParser p = json.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return body;
            }
            if (t != JsonToken.START_OBJECT) {
                throw new BadRequest("Failed to read request body: expected a JSON object");
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                Object value = switch (p.nextToken()) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_TRUE -> Boolean.TRUE;
                    case VALUE_FALSE -> Boolean.FALSE;
                    case VALUE_NULL -> null;
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
                    default -> throw new BadRequest("Field '" + name + "' must be a string, a number or true/false");
                };
                if (body.containsKey(name)) {
                    throw new BadRequest("Field '" + name + "' given twice");
                }
                body.put(name, value);
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BadRequest("Failed to read request body: expected one JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new BadRequest("Failed to read request body: malformed JSON at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new BadRequest("Failed to read request body: " + e.getMessage());
        }
        return body;
    }

    private static void allowOnly(Map<String, Object> body, Set<String> fields) throws BadRequest {
        for (String f : body.keySet()) {
            if (!fields.contains(f)) {
                throw new BadRequest("Unknown field '" + f + "'");
            }
        }
    }

    private static String text(Map<String, Object> body, String field) throws BadRequest {
        Object v = body.get(field);
        if (v == null) {
            return "";
        }
        if (!(v instanceof String s)) {
            throw new BadRequest("Field '" + field + "' must be a string");
        }
        return s;
    }

    private static int integer(Map<String, Object> body, String field) throws BadRequest {
        Object v = body.get(field);
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Integer i)) {
            throw new BadRequest("Field '" + field + "' must be a whole number");
        }
        return i;
    }

    private static boolean bool(Map<String, Object> body, String field) throws BadRequest {
        Object v = body.get(field);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw new BadRequest("Field '" + field + "' must be true or false");
        }
        return b;
    }

    /** The JSON of a reply: {@code {"code": n, "out": "...", "err": "..."}}. */
    byte[] encode(CommandOutput out) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 + out.out().length() + out.err().length());
        try (JsonGenerator g = json.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeNumberField("code", out.code());
            g.writeStringField("out", out.out());
            g.writeStringField("err", out.err());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e); // writing to memory does not fail
        }
        return buffer.toByteArray();
    }

    /** A status (as HTTP's: 200, 400, 403, 404, 503) and what the command printed. */
    record Reply(int status, CommandOutput output) {
    }

    /** A request the API cannot take; the message is for the user. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

}
