package io.subutai.p2p.launcher;

import java.util.List;

/**
 * One flag of a command, as the original's CLI library knew them: {@code -name value},
 * {@code -name=value}, {@code --name value}; boolean flags take no value (or {@code =true}/{@code =false}).
 *
 * @param name    its name without dashes
 * @param aliases other names for it
 * @param kind    what value it takes
 * @param value   the name of its value in help, e.g. {@code HASH}
 * @param usage   one line of help
 * @param deflt   its default as help shows it, or empty
 */
record Flag(String name, List<String> aliases, Kind kind, String value, String usage, String deflt) {

    /** LIST: a string flag that may be given again; its values are joined with commas. */
    enum Kind { BOOL, STRING, INT, LIST }

    static Flag bool(String name, String usage) {
        return new Flag(name, List.of(), Kind.BOOL, "", usage, "");
    }

    static Flag string(String name, String value, String usage) {
        return new Flag(name, List.of(), Kind.STRING, value, usage, "");
    }

    static Flag list(String name, String value, String usage) {
        return new Flag(name, List.of(), Kind.LIST, value, usage, "");
    }

    static Flag integer(String name, String value, String usage, int deflt) {
        return new Flag(name, List.of(), Kind.INT, value, usage, Integer.toString(deflt));
    }

    Flag alias(String other) {
        List<String> a = new java.util.ArrayList<>(aliases);
        a.add(other);
        return new Flag(name, a, kind, value, usage, deflt);
    }

    boolean answersTo(String n) {
        return name.equals(n) || aliases.contains(n);
    }
}
