package io.subutai.p2p.launcher;

import java.io.PrintStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.subutai.p2p.wire.syslog.Syslog;

/**
 * The launcher's own log lines, in the daemon's format: {@code [LEVEL] YYYY/MM/DD HH:MM:SS message};
 * with a {@link Syslog} ({@code -syslog HOST:PORT}), also sent there.
 */
final class Log {

    static final String[] LEVELS = {"TRACE", "DEBUG", "INFO", "WARNING", "ERROR"};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");

    private final PrintStream out;
    private final int min;
    private final Syslog syslog;

    Log(PrintStream out, String level) {
        this(out, level, null);
    }

    Log(PrintStream out, String level, Syslog syslog) {
        this.out = out;
        int m = level(level);
        this.min = m < 0 ? 2 : m;
        this.syslog = syslog;
    }

    /**
     * The sender of the command's {@code -syslog HOST:PORT}, or null when it has none.
     *
     * @throws UsageException when the value is not an address to send to
     */
    static Syslog syslog(Parsed p) throws UsageException {
        String spec = p.string("syslog");
        if (spec.isEmpty()) {
            return null;
        }
        try {
            return Syslog.open(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("Invalid -syslog '" + spec + "': " + e.getMessage());
        }
    }

    /** The flag of the commands that send their log to syslog. */
    static Flag syslogFlag() {
        return Flag.string("syslog", "HOST:PORT", "also send the log lines (but TRACE ones) to this syslog receiver,"
                + " as RFC 5424 over UDP, e.g. 127.0.0.1:1514");
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
            if (syslog != null) {
                syslog.send(Syslog.severity(LEVELS[level]), message);
            }
        }
    }

    static String line(String level, String message) {
        return "[" + level + "] " + TIME.format(ZonedDateTime.now()) + " " + message;
    }
}
