package io.subutai.p2p.wire.stream;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A proxy that streams to servers go through ({@code start -proxy}, {@code HTTPS_PROXY}): {@code
 * http://[USER:PASS@]HOST[:PORT]} (HTTP CONNECT; port 80 by default, 3128 being common: give it)
 * or {@code socks5://[USER:PASS@]HOST[:PORT]} (port 1080 by default). USER and PASS may be
 * percent-encoded.
 *
 * @param scheme   {@code http} or {@code socks5}
 * @param user     null without credentials
 * @param password null without credentials
 */
public record ProxyUrl(String scheme, String host, int port, String user, String password) {

    /** The proxy {@code text} names; an exception whose message says what is wrong when it names none. */
    public static ProxyUrl parse(String text) {
        String t = text.strip();
        int sep = t.indexOf("://");
        if (sep < 0) {
            throw new IllegalArgumentException("'" + redact(t) + "' is not http://HOST:PORT or socks5://HOST:PORT");
        }
        String scheme = t.substring(0, sep).toLowerCase(Locale.ROOT);
        if (scheme.equals("socks5h")) {
            scheme = "socks5";
        }
        if (!scheme.equals("http") && !scheme.equals("socks5")) {
            throw new IllegalArgumentException("the proxy scheme " + scheme + ":// is neither http nor socks5");
        }
        String rest = t.substring(sep + 3);
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String info = rest.substring(0, at);
            int colon = info.indexOf(':');
            try {
                user = decode(colon < 0 ? info : info.substring(0, colon));
                password = colon < 0 ? "" : decode(info.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + redact(t) + "': the user or password is not percent-encoded right");
            }
            rest = rest.substring(at + 1);
        }
        if (rest.indexOf('/') >= 0 || rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("'" + redact(t) + "': a proxy URL has no path");
        }
        String host = rest;
        int port = scheme.equals("http") ? 80 : 1080;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0 && rest.indexOf(']', colon) < 0) {
            host = rest.substring(0, colon);
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + redact(t) + "': the port is not 1 to 65535");
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.:_-]+")) {
            throw new IllegalArgumentException("'" + redact(t) + "': no host name or address");
        }
        return new ProxyUrl(scheme, host, port, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with any password replaced, for logs and errors. */
    public static String redact(String url) {
        int sep = url.indexOf("://");
        int at = url.lastIndexOf('@');
        int colon = sep < 0 ? -1 : url.indexOf(':', sep + 3);
        if (sep < 0 || at < sep || colon < 0 || colon > at) {
            return url;
        }
        return url.substring(0, colon + 1) + "***" + url.substring(at); // whatever the password holds, '/' and '@' too
    }

    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return scheme + "://" + (user == null ? "" : user + ":***@") + h + ":" + port;
    }
}
