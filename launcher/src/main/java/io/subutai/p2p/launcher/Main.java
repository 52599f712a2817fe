package io.subutai.p2p.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.subutai.p2p.api.MacAddress;

/**
 * The {@code p2p} command. {@code daemon} boots the OSGi runtime; every other command is a thin
 * client of the daemon's control API that does not boot OSGi.
 *
 * <p>Exit codes: 0 success; 1 failure, or the daemon cannot be reached; 2 a wrong command line;
 * 3 an unknown command; 12, 13, 17 {@code start} validation (as the original); 115 {@code show}
 * without a daemon (as the original); otherwise the code the daemon answered.
 */
public final class Main {

    static final int EXIT_USAGE = 2;
    static final int EXIT_UNKNOWN_COMMAND = 3;
    static final int EXIT_SHOW_NO_DAEMON = 115;

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final Path home;
    private final String version;

    Main(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, Path home, String version) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.in = in;
        this.home = home;
        this.version = version;
    }

    public static void main(String[] args) {
        String h = System.getProperty("p2p.home");
        Path home = Path.of(h != null ? h : ".").toAbsolutePath().normalize();
        Main main = new Main(System.getenv(), System.out, System.err, System.in, home, readVersion());
        int code = main.run(Arrays.asList(args));
        System.out.flush();
        System.exit(code);
    }

    static String readVersion() {
        Properties p = new Properties();
        try (InputStream s = Main.class.getResourceAsStream("version.properties")) {
            if (s != null) {
                p.load(s);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    /** The state directory: {@code $P2P_STATE_DIR}, or /var/lib/p2p. */
    Path stateDir() {
        String s = env.get("P2P_STATE_DIR");
        return Path.of(s == null || s.isBlank() ? "/var/lib/p2p" : s).toAbsolutePath().normalize();
    }

    int run(List<String> args) {
        if (args.isEmpty()) {
            out.print(Commands.appHelp(version));
            return 0;
        }
        String first = args.get(0);
        switch (first) {
            case "-v", "--version", "-version" -> {
                out.println("p2p version " + version);
                return 0;
            }
            case "-h", "--help", "-help" -> {
                out.print(Commands.appHelp(version));
                return 0;
            }
            default -> {
                // a command
            }
        }
        Command command = Commands.named(first);
        if (command == null) {
            err.println("No help topic for '" + first + "'");
            return EXIT_UNKNOWN_COMMAND;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("-h") || rest.contains("--help") || rest.contains("-help")) {
            out.print(command.help());
            return 0;
        }
        Parsed p;
        try {
            p = command.parse(rest);
            int port = p.integer("rpc-port", Commands.DEFAULT_RPC_PORT);
            if (port < 1 || port > 65535) {
                throw new UsageException("invalid value \"" + port + "\" for flag -rpc-port: give 1 to 65535");
            }
        } catch (UsageException e) {
            err.println("Incorrect Usage: " + e.getMessage());
            err.println();
            err.print(command.help());
            return EXIT_USAGE;
        }
        return switch (command.name()) {
            case "help" -> help(p);
            case "version" -> {
                out.println(version);
                yield 0;
            }
            case "keygen" -> {
                out.println(SecretStrength.newKey(new java.security.SecureRandom()));
                yield 0;
            }
            case "daemon" -> new Daemon(home, stateDir(), version, out, err).run(p, isRoot());
            case "show" -> show(p);
            case "start" -> start(p);
            case "stop" -> {
                if (p.string("hash").isEmpty() && p.string("dev").isEmpty()) {
                    err.println("Not enough parameters for stop command: give -hash HASH (or -dev NAME)");
                    yield EXIT_USAGE;
                }
                yield simple(p);
            }
            case "shell" -> shell(p);
            case "dht-server" -> StandaloneServers.run(p, stateDir(), out, err);
            case "proxy-server" -> StandaloneServers.runProxy(p, stateDir(), out, err);
            case "servers" -> BothServers.run(p, stateDir(), out, err);
            case "lab" -> LabCommand.run(p, isRoot(), home, stateDir(), out, err);
            case "class-archive" -> ClassArchive.run(home, version, stateDir(), err);
            case "service" -> {
                err.println("p2p service is for Windows; here, run 'p2p daemon' under the system's service manager");
                yield 0;
            }
            case "set" -> set(p);
            default -> simple(p);
        };
    }

    private int help(Parsed p) {
        if (p.args().isEmpty()) {
            out.print(Commands.appHelp(version));
            return 0;
        }
        Command c = Commands.named(p.args().get(0));
        if (c == null) {
            err.println("No help topic for '" + p.args().get(0) + "'");
            return EXIT_UNKNOWN_COMMAND;
        }
        out.print(c.help());
        return 0;
    }

    private int show(Parsed p) {
        Map<String, Object> body = new LinkedHashMap<>();
        putString(body, p, "hash");
        putString(body, p, "check");
        for (String f : List.of("interfaces", "all", "bind", "mtu", "json")) {
            if (p.bool(f)) {
                body.put(f, true);
            }
        }
        return call(p, "show", body, 30_000, EXIT_SHOW_NO_DAEMON);
    }

    private int start(Parsed p) {
        String hash = p.string("hash");
        if (hash.isEmpty()) {
            err.println("Hash cannot be empty. Please start new instances with -hash VALUE argument");
            return 12;
        }
        if (hash.contains("~")) {
            err.println("Hash cannot contain the ~. Please start new instances with hash value that doesn't contain it");
            return 17;
        }
        if (!p.string("mac").isEmpty()) {
            try {
                MacAddress.parse(p.string("mac"));
            } catch (IllegalArgumentException e) {
                err.println("Invalid MAC address provided");
                return 13;
            }
        }
        if (p.string("keyfile").equals("-")) {
            try {
                p = withKeyFrom(p);
            } catch (UsageException e) {
                err.println("Incorrect Usage: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        String weak = p.string("keyfile").isEmpty() ? SecretStrength.warning(p.string("key").isEmpty() ? hash : p.string("key"),
                !p.string("key").isEmpty()) : null;
        if (weak != null) {
            err.println(weak); // one line; the network starts all the same
        }
        if (!p.string("keyfile").isEmpty()) {
            // the daemon does not share the caller's working directory
            Map<String, String> flags = new java.util.HashMap<>(p.flags());
            flags.put("keyfile", Path.of(p.string("keyfile")).toAbsolutePath().normalize().toString());
            p = new Parsed(p.command(), flags, p.args());
        }
        return simple(p);
    }

    private int set(Parsed p) {
        if (p.has("keyfile")) {
            try {
                p = withKeyFrom(p);
            } catch (UsageException e) {
                err.println("Incorrect Usage: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        String weak = p.string("key").isEmpty() ? null : SecretStrength.warning(p.string("key"), true);
        if (weak != null) {
            err.println(weak); // one line; the key is added all the same
        }
        return simple(p);
    }

    /** {@code p} with the key (and ttl) of its {@code -keyfile} (a file, or - for standard input) instead of that flag. */
    private Parsed withKeyFrom(Parsed p) throws UsageException {
        if (p.has("key") || p.has("ttl")) {
            throw new UsageException("give -keyfile " + p.string("keyfile") + " or -key (and -ttl), not both");
        }
        KeyFile k = KeyFile.read(p.string("keyfile"), in);
        Map<String, String> flags = new java.util.HashMap<>(p.flags());
        flags.remove("keyfile");
        flags.put("key", k.key());
        if (!k.ttl().isEmpty()) {
            flags.put("ttl", k.ttl());
        }
        return new Parsed(p.command(), flags, p.args());
    }

    /** Sends every flag given (but how to reach the daemon) to the daemon's endpoint of the same name. */
    private int simple(Parsed p) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (Flag f : p.command().flags()) {
            if (f.name().equals("rpc-port") || f.name().equals("rpc-tcp") || !p.has(f.name())) {
                continue;
            }
            switch (f.kind()) {
                case BOOL -> body.put(f.name(), p.bool(f.name()));
                case INT -> body.put(f.name(), p.integer(f.name(), 0));
                default -> body.put(f.name(), p.string(f.name()));
            }
        }
        return call(p, p.command().name(), body, p.command().name().equals("start") ? 0 : 30_000, 1);
    }

    private int shell(Parsed p) {
        if (!p.args().isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("command", p.args().get(0));
            return call(p, "shell", body, 0, 1);
        }
        boolean tty = System.console() != null;
        String session = UUID.randomUUID().toString();
        Client client = client(p);
        if (tty) {
            out.println("p2p shell: Gogo commands run inside the daemon (p2p:*, lb, help ...); 'exit' ends.");
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int last = 0;
        while (true) {
            if (tty) {
                out.print("g! ");
                out.flush();
            }
            String line;
            try {
                line = reader.readLine();
            } catch (IOException e) {
                err.println("Cannot read standard input: " + e.getMessage());
                return 1;
            }
            if (line == null || line.trim().equals("exit") || line.trim().equals("quit")) {
                return last;
            }
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("command", line);
            body.put("session", session);
            try {
                Client.Reply r = client.call("shell", body, 0);
                out.print(r.out());
                out.flush();
                err.print(r.err());
                err.flush();
                last = r.code();
            } catch (Client.Unreachable e) {
                err.println(e.getMessage());
                return 1;
            }
        }
    }

    private int call(Parsed p, String command, Map<String, Object> body, int timeoutMs, int unreachableCode) {
        try {
            Client.Reply r = client(p).call(command, body, timeoutMs);
            out.print(r.out());
            err.print(r.err());
            return r.code();
        } catch (Client.Unreachable e) {
            err.println(e.getMessage());
            return unreachableCode;
        }
    }

    private Client client(Parsed p) {
        return new Client(stateDir(), p.integer("rpc-port", Commands.DEFAULT_RPC_PORT), p.bool("rpc-tcp"));
    }

    private static void putString(Map<String, Object> body, Parsed p, String flag) {
        if (!p.string(flag).isEmpty()) {
            body.put(flag, p.string(flag));
        }
    }

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }
}
