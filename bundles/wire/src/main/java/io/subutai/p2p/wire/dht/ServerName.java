package io.subutai.p2p.wire.dht;

import java.util.HexFormat;

/**
 * A bootstrap server as {@code -dht} names it (docs/protocol.md §7.4): {@code
 * HOST:PORT} (its key learned on first contact) or {@code HOST:PORT@KEY}, KEY its static public
 * key in 64 hex digits, as {@code p2p dht-server} prints it (pinned: no other key is trusted).
 *
 * @param hostPort {@code HOST:PORT} or {@code [IPv6]:PORT}
 * @param key      the pinned key, or null
 */
public record ServerName(String hostPort, byte[] key) {

    public ServerName {
        key = key == null ? null : key.clone();
    }

    @Override
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** The name of one server; an exception whose message says what is wrong when it is not one. */
    public static ServerName parse(String text) {
        String t = text.strip();
        int at = t.indexOf('@');
        String hostPort = at < 0 ? t : t.substring(0, at);
        int colon = hostPort.lastIndexOf(':');
        boolean ok = colon > 0 && colon < hostPort.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                ok = port >= 1 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("'" + t + "' is not HOST:PORT or HOST:PORT@KEY");
        }
        if (at < 0) {
            return new ServerName(hostPort, null);
        }
        String hex = t.substring(at + 1);
        if (!hex.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("the key in '" + t + "' is not 64 hex digits (the key p2p dht-server prints)");
        }
        return new ServerName(hostPort, HexFormat.of().parseHex(hex));
    }

    /** {@code HOST:PORT@KEY} with {@code key} pinned. */
    public static String pinned(String hostPort, byte[] key) {
        return hostPort + "@" + HexFormat.of().formatHex(key);
    }

    @Override
    public String toString() {
        return key == null ? hostPort : pinned(hostPort, key);
    }
}
