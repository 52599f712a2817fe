package io.subutai.p2p.core.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;

import io.subutai.p2p.wire.syslog.Syslog;

/**
 * Prints the OSGi log to the daemon's standard output in the original's format,
 * {@code [LEVEL] YYYY/MM/DD HH:MM:SS message}, and sets the level in the framework's logger
 * admin so that disabled levels cost nothing. Writes to file descriptor 1 directly, because
 * Gogo replaces {@code System.out} with a per-thread stream. With a {@link Syslog} (the daemon's
 * {@code -syslog}), it also sends every line it prints but TRACE ones there; closing closes it.
 */
final class LogConsole implements LogListener, AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    // immutable
    private final LogReaderService reader;
    private final LoggerAdmin admin;
    private final PrintStream out;
    private final Syslog syslog;

    // volatile: set by the engine, read on the log delivery thread
    private volatile LogLevelName level;

    LogConsole(LogReaderService reader, LoggerAdmin admin, LogLevelName level, Syslog syslog) {
        this.reader = reader;
        this.admin = admin;
        this.syslog = syslog;
        this.out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        setLevel(level);
        reader.addLogListener(this);
    }

    void setLevel(LogLevelName level) {
        this.level = level;
        // The framework's bundle and service events are logged as INFO and DEBUG: noise in a
        // daemon's log, so they show only at TRACE.
        LogLevel events = level == LogLevelName.TRACE ? LogLevel.TRACE : LogLevel.WARN;
        admin.getLoggerContext(null).setLogLevels(Map.of(Logger.ROOT_LOGGER_NAME, level.osgi(),
                "Events.Bundle", events, "Events.Service", events));
    }

    LogLevelName level() {
        return level;
    }

    @Override
    public void logged(LogEntry entry) {
        LogLevelName l = LogLevelName.of(entry.getLogLevel());
        if (l.ordinal() < level.ordinal()
                || (level != LogLevelName.TRACE && isFrameworkEvent(entry) && l.ordinal() < LogLevelName.WARNING.ordinal())) {
            return;
        }
        out.println(format(l, entry.getTime(), entry.getMessage(), entry.getException(), level == LogLevelName.TRACE));
        if (syslog != null && l != LogLevelName.TRACE) {
            Throwable failure = entry.getException();
            syslog.send(Syslog.severity(l.name()), failure == null ? entry.getMessage() : entry.getMessage() + ": " + failure);
        }
    }

    private static boolean isFrameworkEvent(LogEntry entry) {
        String name = entry.getLoggerName();
        return name != null && name.startsWith("Events.");
    }

    static String format(LogLevelName level, long millis, String message, Throwable failure, boolean withTrace) {
        StringBuilder b = new StringBuilder(80).append('[').append(level.name()).append("] ")
                .append(TIME.format(Instant.ofEpochMilli(millis))).append(' ').append(message);
        if (failure != null) {
            b.append(": ").append(failure);
            if (withTrace) {
                for (StackTraceElement e : failure.getStackTrace()) {
                    b.append("\n\tat ").append(e);
                }
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        reader.removeLogListener(this);
        out.flush();
        if (syslog != null) {
            syslog.close();
        }
    }
}
