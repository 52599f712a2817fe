package io.subutai.p2p.wire;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where a flag such as {@code -metrics} says to listen: {@code PORT} alone is the loopback
 * (127.0.0.1: nothing is served beyond this host unless the operator says so), {@code :PORT} every
 * address, {@code ADDR:PORT} or {@code [IPv6]:PORT} that address. Addresses are literals: no name
 * is looked up.
 */
public final class ListenAddress {

    private ListenAddress() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with what is wrong, in words for the user
     */
    public static InetSocketAddress parse(String text) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : t.substring(0, colon);
        String port = colon < 0 ? t : t.substring(colon + 1);
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("'" + text + "': give ADDR:PORT, [IPv6]:PORT, :PORT (every address) or PORT"
                    + " (the loopback), with a port of 1 to 65535");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(p);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.matches("[0-9.]+") && !(host.contains(":") && host.matches("[0-9A-Fa-f:.]+"))) {
            throw new IllegalArgumentException("'" + text + "': " + host + " is not an IP address (names are not looked up)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "': " + host + " is not an IP address");
        }
    }

    /** {@code a} as {@link #parse} reads it back: {@code ADDR:PORT}, IPv6 in brackets. */
    public static String text(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
