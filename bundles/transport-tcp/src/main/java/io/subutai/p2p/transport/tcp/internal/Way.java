package io.subutai.p2p.transport.tcp.internal;

/** How a link carries datagrams: over TLS or not, in WebSocket messages or in the plain stream's frames. */
enum Way {
    /** WebSocket on TLS ({@code wss://}). */
    WSS("wss", true, true),
    /** The plain stream's frames on TLS: {@code tls://}, and what a {@code wss://} link falls back to. */
    TLS_PLAIN("tls+plain", true, false),
    /** WebSocket without TLS ({@code ws://}). */
    WS("ws", false, true),
    /** The plain stream's frames on TCP ({@code tcp://}). */
    TCP("tcp", false, false);

    /** As {@code debug} names it. */
    final String label;
    final boolean tls;
    final boolean websocket;

    Way(String label, boolean tls, boolean websocket) {
        this.label = label;
        this.tls = tls;
        this.websocket = websocket;
    }

    /** The way a URL's scheme names ({@code wss}, {@code ws}, {@code tls}, {@code tcp}). */
    static Way of(String scheme) {
        return switch (scheme) {
            case "wss" -> WSS;
            case "ws" -> WS;
            case "tls" -> TLS_PLAIN;
            case "tcp" -> TCP;
            default -> throw new IllegalArgumentException("the scheme " + scheme + ":// is none of wss, ws, tls, tcp");
        };
    }
}
