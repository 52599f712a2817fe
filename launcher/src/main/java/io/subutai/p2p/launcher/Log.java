package io.subutai.p2p.launcher;

import java.io.PrintStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The launcher's own log lines, in the daemon's format: {@code [LEVEL] YYYY/MM/DD HH:MM:SS message}. */
final class Log {

    static final String[] LEVELS = {"TRACE", "DEBUG", "INFO", "WARNING", "ERROR"};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");

    private final PrintStream out;
    private final int min;

    Log(PrintStream out, String level) {
        this.out = out;
        int m = level(level);
        this.min = m < 0 ? 2 : m;
    }

    /** The index of a level name in {@link #LEVELS} (any case, {@code warn} for WARNING), or -1. */
    static int level(String name) {
        if (name == null || name.isEmpty()) {
            return -1;
        }
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("WARN")) {
            n = "WARNING";
        }
        for (int i = 0; i < LEVELS.length; i++) {
            if (LEVELS[i].equals(n)) {
                return i;
            }
        }
        return -1;
    }

    void info(String message) {
        log(2, message);
    }

    void warn(String message) {
        log(3, message);
    }

    void error(String message) {
        log(4, message);
    }

    private void log(int level, String message) {
        if (level >= min) {
            out.println(line(LEVELS[level], message));
            out.flush();
        }
    }

    static String line(String level, String message) {
        return "[" + level + "] " + TIME.format(ZonedDateTime.now()) + " " + message;
    }
}
