package io.subutai.p2p.launcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code p2p} subcommand: its flags, help and how its command line parses. Parsing follows the
 * original (urfave/cli v1 over Go's flag package): flags first, in any of the forms of {@link Flag};
 * the first argument that is not a flag, or {@code --}, ends them.
 *
 * @param name        the command's name
 * @param arguments   what follows the flags in help, e.g. {@code [COMMAND]}, or empty
 * @param summary     one line for the command list
 * @param description a paragraph for {@code p2p help <command>}
 * @param flags       its flags
 * @param maxArgs     how many arguments may follow the flags
 */
record Command(String name, String arguments, String summary, String description, List<Flag> flags, int maxArgs) {

    Command {
        flags = List.copyOf(flags);
    }

    Parsed parse(List<String> argv) throws UsageException {
        Map<String, String> values = new HashMap<>();
        int i = 0;
        while (i < argv.size()) {
            String a = argv.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.length() < 2 || a.charAt(0) != '-' || a.equals("-")) {
                break;
            }
            String body = a.startsWith("--") ? a.substring(2) : a.substring(1);
            if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) {
                throw new UsageException("bad flag syntax: " + a);
            }
            String n = body;
            String v = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                n = body.substring(0, eq);
                v = body.substring(eq + 1);
            }
            Flag flag = find(n);
            if (flag == null) {
                throw new UsageException("flag provided but not defined: -" + n);
            }
            i++;
            if (flag.kind() == Flag.Kind.BOOL) {
                if (v == null) {
                    v = "true";
                } else {
                    String b = v.toLowerCase(Locale.ROOT);
                    if (b.equals("1") || b.equals("t") || b.equals("true")) {
                        v = "true";
                    } else if (b.equals("0") || b.equals("f") || b.equals("false")) {
                        v = "false";
                    } else {
                        throw new UsageException("invalid boolean value \"" + v + "\" for -" + n);
                    }
                }
            } else if (v == null) {
                if (i >= argv.size()) {
                    throw new UsageException("flag needs an argument: -" + n);
                }
                v = argv.get(i++);
            }
            if (flag.kind() == Flag.Kind.INT) {
                try {
                    Integer.parseInt(v.trim());
                    v = v.trim();
                } catch (NumberFormatException e) {
                    throw new UsageException("invalid value \"" + v + "\" for flag -" + n + ": not a whole number");
                }
            }
            if (flag.kind() == Flag.Kind.LIST) {
                values.merge(flag.name(), v, (first, more) -> first + "," + more);
            } else {
                values.put(flag.name(), v);
            }
        }
        List<String> rest = new ArrayList<>(argv.subList(i, argv.size()));
        if (rest.size() > maxArgs) {
            throw new UsageException("unexpected argument: " + rest.get(maxArgs)
                    + (maxArgs == 0 ? " (" + name + " takes flags only)" : ""));
        }
        return new Parsed(this, values, rest);
    }

    Flag find(String n) {
        for (Flag f : flags) {
            if (f.answersTo(n)) {
                return f;
            }
        }
        return null;
    }

    /** The help text of {@code p2p help <name>}. */
    String help() {
        StringBuilder b = new StringBuilder();
        b.append("NAME:\n   p2p ").append(name).append(" - ").append(summary).append("\n\n");
        b.append("USAGE:\n   p2p ").append(name);
        if (!flags.isEmpty()) {
            b.append(" [command options]");
        }
        if (!arguments.isEmpty()) {
            b.append(' ').append(arguments);
        }
        b.append("\n\n");
        if (!description.isEmpty()) {
            b.append("DESCRIPTION:\n");
            for (String line : description.split("\n")) {
                b.append("   ").append(line).append('\n');
            }
            b.append('\n');
        }
        if (!flags.isEmpty()) {
            b.append("OPTIONS:\n");
            List<String> left = new ArrayList<>();
            int width = 0;
            for (Flag f : flags) {
                StringBuilder l = new StringBuilder("-").append(f.name());
                for (String a : f.aliases()) {
                    l.append(", -").append(a);
                }
                if (!f.value().isEmpty()) {
                    l.append(' ').append(f.value());
                }
                left.add(l.toString());
                width = Math.max(width, l.length());
            }
            for (int k = 0; k < flags.size(); k++) {
                Flag f = flags.get(k);
                b.append("   ").append(left.get(k)).append(" ".repeat(width - left.get(k).length() + 3))
                        .append(f.usage());
                if (!f.deflt().isEmpty()) {
                    b.append(" (default: ").append(f.deflt()).append(')');
                }
                b.append('\n');
            }
        }
        return b.toString();
    }
}
