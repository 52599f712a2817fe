package io.subutai.p2p.wire.dht;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A bootstrap server as {@code -dht} names it (docs/protocol.md §7.4, §10): {@code HOST:PORT}
 * (over UDP), or a stream's URL for networks that let no UDP out: {@code wss://HOST[:PORT][/PATH]}
 * (WebSocket on TLS; port 443, path {@code /p2p} by default), {@code ws://HOST[:PORT][/PATH]}
 * (port 80), {@code tls://HOST:PORT} or {@code tcp://HOST:PORT}; each may end in {@code @KEY},
 * KEY the server's static public key in 64 hex digits, as {@code p2p dht-server} prints it
 * (pinned: no other key is trusted; without it the key is learned on first contact).
 *
 * @param scheme   {@code wss}, {@code ws}, {@code tls} or {@code tcp}; null over UDP
 * @param hostPort {@code HOST:PORT} or {@code [IPv6]:PORT}, the port filled in when the URL left it out
 * @param path     the WebSocket's path ({@code /p2p} by default); empty for the other kinds
 * @param key      the pinned key, or null
 */
public record ServerName(String scheme, String hostPort, String path, byte[] key) {

    public ServerName {
        path = path == null ? "" : path;
        key = key == null ? null : key.clone();
    }

    /** A server over UDP. */
    public ServerName(String hostPort, byte[] key) {
        this(null, hostPort, "", key);
    }

    @Override
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** Whether the server is reached over a stream (TCP) rather than UDP. */
    public boolean stream() {
        return scheme != null;
    }

    /** The server without its key: {@code HOST:PORT}, or its URL ({@code wss://HOST:PORT/PATH}). */
    public String name() {
        return scheme == null ? hostPort : scheme + "://" + hostPort + path;
    }

    /** The name of one server; an exception whose message says what is wrong when it is not one. */
    public static ServerName parse(String text) {
        String t = text.strip();
        int at = t.lastIndexOf('@');
        String name = at < 0 ? t : t.substring(0, at);
        byte[] key = null;
        if (at >= 0) {
            String hex = t.substring(at + 1);
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("the key in '" + t + "' is not 64 hex digits (the key p2p dht-server prints)");
            }
            key = HexFormat.of().parseHex(hex);
        }
        int sep = name.indexOf("://");
        if (sep < 0) {
            if (!validHostPort(name)) {
                throw new IllegalArgumentException("'" + t + "' is not HOST:PORT, a wss:// URL, or either with @KEY");
            }
            return new ServerName(name, key);
        }
        String scheme = name.substring(0, sep).toLowerCase(Locale.ROOT);
        String rest = name.substring(sep + 3);
        boolean web = scheme.equals("wss") || scheme.equals("ws");
        if (!web && !scheme.equals("tls") && !scheme.equals("tcp")) {
            throw new IllegalArgumentException("'" + t + "': the scheme " + scheme + ":// is none of wss, ws, tls, tcp");
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? (web ? "/p2p" : "") : rest.substring(slash);
        if (!web && !path.isEmpty()) {
            throw new IllegalArgumentException("'" + t + "': a " + scheme + ":// server has no path");
        }
        if (web && !path.matches("/[A-Za-z0-9._~/%-]*")) {
            throw new IllegalArgumentException("'" + t + "': the path " + path + " has characters a URL path cannot");
        }
        if (!authority.matches(".*:\\d+") || authority.endsWith("]")) {
            if (!web) {
                throw new IllegalArgumentException("'" + t + "': give the port (" + scheme + "://HOST:PORT)");
            }
            authority = authority + (scheme.equals("wss") ? ":443" : ":80");
        }
        if (!validHostPort(authority)) {
            throw new IllegalArgumentException("'" + t + "' is not " + scheme + "://HOST[:PORT]" + (web ? "[/PATH]" : ""));
        }
        return new ServerName(scheme, authority, path, key);
    }

    private static boolean validHostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1 || hostPort.indexOf('@') >= 0 || hostPort.indexOf('/') >= 0) {
            return false;
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            return port >= 1 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** {@code NAME@KEY} with {@code key} pinned; {@code name} a server's {@link #name()}. */
    public static String pinned(String name, byte[] key) {
        return name + "@" + HexFormat.of().formatHex(key);
    }

    @Override
    public String toString() {
        return key == null ? name() : pinned(name(), key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerName s && java.util.Objects.equals(s.scheme, scheme) && s.hostPort.equals(hostPort)
                && s.path.equals(path) && java.util.Arrays.equals(s.key, key);
    }

    @Override
    public int hashCode() {
        return hostPort.hashCode();
    }
}
