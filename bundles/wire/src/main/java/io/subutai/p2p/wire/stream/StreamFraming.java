package io.subutai.p2p.wire.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Datagrams on a stream (docs/protocol.md §10). A server's stream port tells what a client speaks
 * from its first bytes ({@link #detect}): a TLS handshake (then the same again inside it), an HTTP
 * request (a WebSocket upgrade: then one datagram per binary message), or the {@link #PREAMBLE} of
 * a plain stream, on which every datagram travels as {@code length (2, big-endian) | datagram},
 * length 0 being a keepalive. {@link Decoder} takes a plain stream apart; it never throws on bad
 * input, it says the stream is broken.
 */
public final class StreamFraming {

    /** What a plain stream begins with: {@code P2PSTRM} and the protocol version (4). */
    public static final byte[] PREAMBLE = "P2PSTRM\u0004".getBytes(StandardCharsets.ISO_8859_1);
    /** The largest datagram on a stream. */
    public static final int MAX_DATAGRAM = 65_535;
    /** Bytes in front of each datagram on a plain stream. */
    public static final int LENGTH = 2;
    /** The WebSocket subprotocol, and the default path. */
    public static final String SUBPROTOCOL = "p2p";
    public static final String PATH = "/p2p";

    /** What a stream's first bytes say it is. */
    public enum Kind {
        /** Not enough bytes yet to tell. */
        MORE,
        /** A TLS record (a ClientHello): TLS first, then {@link #detect} again on what it carries. */
        TLS,
        /** An HTTP request: a WebSocket upgrade, if it is one. */
        HTTP,
        /** The plain stream's {@link #PREAMBLE}. */
        PLAIN,
        /** Nothing this protocol speaks: close it. */
        OTHER
    }

    private static final byte[] GET = "GET ".getBytes(StandardCharsets.ISO_8859_1);

    private StreamFraming() {
    }

    /** What the bytes from {@code in}'s position to its limit (not moved) begin. */
    public static Kind detect(ByteBuffer in) {
        int n = in.remaining();
        if (n == 0) {
            return Kind.MORE;
        }
        int p = in.position();
        if (in.get(p) == 0x16) { // TLS handshake record: 0x16, version 3.x
            if (n < 2) {
                return Kind.MORE;
            }
            return in.get(p + 1) == 3 ? Kind.TLS : Kind.OTHER;
        }
        Kind k = prefix(in, GET, Kind.HTTP);
        return k == Kind.OTHER ? prefix(in, PREAMBLE, Kind.PLAIN) : k;
    }

    private static Kind prefix(ByteBuffer in, byte[] expected, Kind kind) {
        int n = Math.min(in.remaining(), expected.length);
        for (int i = 0; i < n; i++) {
            if (in.get(in.position() + i) != expected[i]) {
                return Kind.OTHER;
            }
        }
        return n == expected.length ? kind : Kind.MORE;
    }

    /** Writes {@code datagram} (position to limit, consumed) framed for a plain stream into {@code out}. */
    public static void frame(ByteBuffer datagram, ByteBuffer out) {
        int n = datagram.remaining();
        if (n > MAX_DATAGRAM) {
            throw new IllegalArgumentException("datagram of " + n + " bytes");
        }
        out.putShort((short) n).put(datagram);
    }

    /**
     * Takes a plain stream apart, after its preamble: give it what came ({@link #next}), and it
     * returns each whole datagram as it completes. One per stream; not thread-safe.
     */
    public static final class Decoder {

        private final int largest;

        /** @param largest the largest datagram taken (at most {@link #MAX_DATAGRAM}); a longer one breaks the stream */
        public Decoder(int largest) {
            if (largest < 1 || largest > MAX_DATAGRAM) {
                throw new IllegalArgumentException("largest " + largest);
            }
            this.largest = largest;
        }

        /**
         * The next whole datagram in {@code in} (a slice of it, valid until {@code in} changes; its
         * bytes consumed), or null when {@code in} holds none yet (nothing consumed but keepalives).
         *
         * @throws BrokenStream when the stream announces a datagram longer than this decoder takes
         */
        public ByteBuffer next(ByteBuffer in) throws BrokenStream {
            while (in.remaining() >= LENGTH) {
                int p = in.position();
                int n = in.getShort(p) & 0xffff;
                if (n == 0) {
                    in.position(p + LENGTH); // keepalive
                    continue;
                }
                if (n > largest) {
                    throw new BrokenStream("a datagram of " + n + " bytes (at most " + largest + ")");
                }
                if (in.remaining() < LENGTH + n) {
                    return null;
                }
                ByteBuffer d = in.slice(p + LENGTH, n);
                in.position(p + LENGTH + n);
                return d;
            }
            return null;
        }
    }

    /** A plain stream that broke this protocol's framing: close it. */
    public static final class BrokenStream extends Exception {
        private static final long serialVersionUID = 1L;

        public BrokenStream(String message) {
            super(message);
        }
    }
}
