package io.subutai.p2p.launcher;

import java.util.List;
import java.util.Map;

/**
 * A parsed command line: the flags given (by their main name) and the arguments after them.
 */
record Parsed(Command command, Map<String, String> flags, List<String> args) {

    Parsed {
        flags = Map.copyOf(flags);
        args = List.copyOf(args);
    }

    boolean has(String flag) {
        return flags.containsKey(flag);
    }

    String string(String flag) {
        return flags.getOrDefault(flag, "");
    }

    boolean bool(String flag) {
        return Boolean.parseBoolean(flags.get(flag));
    }

    int integer(String flag, int deflt) {
        String v = flags.get(flag);
        return v == null ? deflt : Integer.parseInt(v);
    }
}
