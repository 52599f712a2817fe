package io.subutai.p2p.core.internal;

import java.util.Locale;

import org.osgi.service.log.LogLevel;

/** The original tool's log levels, from lowest, and the OSGi levels they map to. */
public enum LogLevelName {
    TRACE(LogLevel.TRACE),
    DEBUG(LogLevel.DEBUG),
    INFO(LogLevel.INFO),
    WARNING(LogLevel.WARN),
    ERROR(LogLevel.ERROR);

    private final LogLevel osgi;

    LogLevelName(LogLevel osgi) {
        this.osgi = osgi;
    }

    public LogLevel osgi() {
        return osgi;
    }

    /** The level for an OSGi level (AUDIT shows as INFO). */
    public static LogLevelName of(LogLevel level) {
        return switch (level) {
            case TRACE -> TRACE;
            case DEBUG -> DEBUG;
            case INFO, AUDIT -> INFO;
            case WARN -> WARNING;
            case ERROR -> ERROR;
        };
    }

    /** Parses any case; {@code warn} is accepted for WARNING. Null when unknown. */
    public static LogLevelName parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.equals("WARN")) {
            return WARNING;
        }
        for (LogLevelName l : values()) {
            if (l.name().equals(t)) {
                return l;
            }
        }
        return null;
    }
}
