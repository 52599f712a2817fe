package io.subutai.p2p.wire.syslog;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Sends log lines as RFC 5424 syslog messages, one UDP datagram each (RFC 5426), to the address of
 * {@code -syslog HOST:PORT}: {@code <PRI>1 TIMESTAMP HOSTNAME p2p PID - - MESSAGE}, facility daemon.
 * The message is sent without a BOM (MSG-ANY) and cut to {@link #MAX_DATAGRAM} bytes. Sending is
 * done on the caller's thread and never fails it: a datagram that cannot be sent is dropped, as
 * UDP would drop it on the way. The address is resolved once, when the sender is opened.
 */
public final class Syslog implements AutoCloseable {

    /** The application name (APP-NAME) of every message. */
    public static final String APP_NAME = "p2p";
    /** The facility of every message: system daemons. */
    public static final int FACILITY_DAEMON = 3;
    /** The largest datagram sent; RFC 5426 asks receivers to take 2048 bytes. */
    public static final int MAX_DATAGRAM = 2048;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    // immutable
    private final InetSocketAddress target;
    private final String hostname;
    private final long pid;
    private final DatagramSocket socket;

    private Syslog(InetSocketAddress target, String hostname, long pid) throws SocketException {
        this.target = target;
        this.hostname = hostname;
        this.pid = pid;
        this.socket = new DatagramSocket();
    }

    /**
     * A sender to {@code HOST:PORT} ({@code [IPv6]:PORT} too) with this host's name.
     *
     * @throws IllegalArgumentException why {@code spec} is not an address to send to, in words for the user
     */
    public static Syslog open(String spec) {
        return open(spec, localHostname());
    }

    static Syslog open(String spec, String hostname) {
        InetSocketAddress target = address(spec);
        try {
            return new Syslog(target, hostname, ProcessHandle.current().pid());
        } catch (SocketException e) {
            throw new IllegalArgumentException("cannot open a UDP socket: " + e.getMessage(), e);
        }
    }

    /** The resolved address of {@code HOST:PORT}; throws IllegalArgumentException, saying why, when it is none. */
    static InetSocketAddress address(String spec) {
        String s = spec == null ? "" : spec.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("give HOST:PORT, e.g. 127.0.0.1:1514");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("write an IPv6 address in brackets: [ADDR]:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("give HOST:PORT, e.g. 127.0.0.1:1514");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port must be 1 to 65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host);
        }
    }

    /** Where the messages go. */
    public InetSocketAddress target() {
        return target;
    }

    /**
     * Sends one message of this severity (0 emergency to 7 debug; see {@link #severity}); drops it
     * when it cannot be sent.
     */
    public void send(int severity, String message) {
        byte[] b = format(severity, Instant.now(), hostname, pid, message).getBytes(StandardCharsets.UTF_8);
        try {
            socket.send(new DatagramPacket(b, Math.min(b.length, MAX_DATAGRAM), target));
        } catch (IOException e) {
            // dropped, as a datagram lost on the way would be
        }
    }

    /**
     * The syslog severity of a log level of the daemon's ({@code DEBUG} debug, {@code INFO} info,
     * {@code WARNING} or {@code WARN} warning, {@code ERROR} err), or -1 for TRACE and any other
     * name: those lines are not sent.
     */
    public static int severity(String level) {
        return switch (level.toUpperCase(Locale.ROOT)) {
            case "DEBUG" -> 7;
            case "INFO" -> 6;
            case "WARNING", "WARN" -> 4;
            case "ERROR" -> 3;
            default -> -1;
        };
    }

    /** One RFC 5424 message: no structured data, no MSGID. */
    static String format(int severity, Instant time, String hostname, long pid, String message) {
        return "<" + (FACILITY_DAEMON * 8 + severity) + ">1 " + TIME.format(time.truncatedTo(ChronoUnit.MILLIS)) + ' '
                + hostname + ' ' + APP_NAME + ' ' + pid + " - - " + message;
    }

    /** This host's name as RFC 5424 takes it (printable ASCII, at most 255), or {@code -}. */
    static String localHostname() {
        String name;
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            name = System.getenv().getOrDefault("HOSTNAME", "");
        }
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (c > 32 && c < 127 && b.length() < 255) {
                b.append(c);
            }
        }
        return b.length() == 0 ? "-" : b.toString();
    }

    @Override
    public void close() {
        socket.close();
    }
}
