package io.subutai.p2p.control.internal;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import io.subutai.p2p.wire.control.ControlProtocol;

/**
 * The control protocol's header lines (docs/control-api.md): ASCII, one space between fields,
 * ended by {@code \n}, and never longer than {@link #MAX_LINE} bytes.
 * <pre>
 * request:  P2PCTL/1 COMMAND LENGTH [PROOF]\n   then LENGTH bytes of JSON
 * reply:    P2PCTL/1 STATUS LENGTH\n             then LENGTH bytes of JSON
 * TCP only, before the request:
 * client:   P2PCTL/1 HELLO CLIENT-NONCE\n
 * daemon:   P2PCTL/1 PROOF DAEMON-NONCE DAEMON-MAC\n
 * </pre>
 * Nonces are 32 random bytes, MACs those of {@link ControlProtocol}, all in lower-case hex.
 */
final class Frames {

    static final String MAGIC = ControlProtocol.MAGIC;
    static final int MAX_LINE = ControlProtocol.MAX_LINE;
    static final int NONCE = ControlProtocol.NONCE;
    private static final HexFormat HEX = HexFormat.of();

    private Frames() {
    }

    /** A header line the protocol does not allow; the message is for the caller. */
    static final class BadFrame extends Exception {
        private static final long serialVersionUID = 1L;

        BadFrame(String message) {
            super(message);
        }
    }

    /** A parsed request line; {@code proof} is null when the line had none. */
    record Request(String command, int length, byte[] proof) {
    }

    /**
     * Parses a request line (without its {@code \n}) whose body may be at most {@code maxBody}
     * bytes. Fuzzed: a {@link Request} or a {@link BadFrame}, nothing else.
     */
    static Request parseRequest(byte[] line, int maxBody) throws BadFrame {
        String[] f = fields(line, 3, 4);
        if (!f[1].matches("[a-z]{1,16}")) {
            throw new BadFrame("the command must be 1 to 16 letters a-z");
        }
        int length = number(f[2], maxBody, "body length");
        byte[] proof = f.length == 4 ? hex(f[3], "proof") : null;
        return new Request(f[1], length, proof);
    }

    /** Parses {@code P2PCTL/1 HELLO NONCE}: the client's nonce. */
    static byte[] parseHello(byte[] line) throws BadFrame {
        String[] f = fields(line, 3, 3);
        if (!f[1].equals("HELLO")) {
            throw new BadFrame("a TCP client must first say HELLO with its nonce");
        }
        return hex(f[2], "nonce");
    }

    static byte[] reply(int status, int length) {
        return (MAGIC + " " + status + " " + length + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] proofLine(byte[] daemonNonce, byte[] daemonMac) {
        return (MAGIC + " PROOF " + HEX.formatHex(daemonNonce) + " " + HEX.formatHex(daemonMac) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The daemon's proof that it holds {@code token}, for this pair of nonces. */
    static byte[] daemonMac(byte[] token, byte[] clientNonce, byte[] daemonNonce) {
        return ControlProtocol.daemonMac(token, clientNonce, daemonNonce);
    }

    /** The client's proof that it holds {@code token}, for this pair of nonces. */
    static byte[] clientMac(byte[] token, byte[] clientNonce, byte[] daemonNonce) {
        return ControlProtocol.clientMac(token, clientNonce, daemonNonce);
    }

    private static String[] fields(byte[] line, int min, int max) throws BadFrame {
        if (line.length > MAX_LINE) {
            throw new BadFrame("header line longer than " + MAX_LINE + " bytes");
        }
        for (byte b : line) {
            if (b < 0x20 || b > 0x7e) {
                throw new BadFrame("header line is not printable ASCII");
            }
        }
        String[] f = new String(line, StandardCharsets.US_ASCII).split(" ", -1);
        if (!f[0].equals(MAGIC)) {
            throw new BadFrame("not the p2p control protocol (expected " + MAGIC + ")");
        }
        if (f.length < min || f.length > max) {
            throw new BadFrame("header line has " + f.length + " fields");
        }
        return f;
    }

    private static int number(String s, int max, String what) throws BadFrame {
        if (!s.matches("[0-9]{1,9}")) {
            throw new BadFrame(what + " is not a number");
        }
        int n = Integer.parseInt(s);
        if (n > max) {
            throw new BadFrame(what + " " + n + " is larger than " + max);
        }
        return n;
    }

    private static byte[] hex(String s, String what) throws BadFrame {
        if (!s.matches("[0-9a-f]{64}")) {
            throw new BadFrame(what + " must be 64 lower-case hex digits");
        }
        return HEX.parseHex(s);
    }
}
