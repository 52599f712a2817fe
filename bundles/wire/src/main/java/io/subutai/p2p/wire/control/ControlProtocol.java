package io.subutai.p2p.wire.control;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The control protocol's constants and its TCP token proofs: each side proves it holds the API
 * token with an HMAC-SHA-256 over both nonces, under a label of its own, so neither proof can
 * stand for the other and the token never crosses the socket.
 */
public final class ControlProtocol {

    /** The first field of every header line. */
    public static final String MAGIC = "P2PCTL/1";
    /** The longest header line, without its {@code \n}. */
    public static final int MAX_LINE = 256;
    /** Bytes of a nonce. */
    public static final int NONCE = 32;

    private static final byte[] DAEMON_LABEL = "p2p control daemon proof\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_LABEL = "p2p control client proof\0".getBytes(StandardCharsets.US_ASCII);

    private ControlProtocol() {
    }

    /** The daemon's proof that it holds {@code token}, for this pair of nonces. */
    public static byte[] daemonMac(byte[] token, byte[] clientNonce, byte[] daemonNonce) {
        return mac(token, DAEMON_LABEL, clientNonce, daemonNonce);
    }

    /** The client's proof that it holds {@code token}, for this pair of nonces. */
    public static byte[] clientMac(byte[] token, byte[] clientNonce, byte[] daemonNonce) {
        return mac(token, CLIENT_LABEL, clientNonce, daemonNonce);
    }

    private static byte[] mac(byte[] token, byte[] label, byte[] clientNonce, byte[] daemonNonce) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(token, "HmacSHA256"));
            m.update(label);
            m.update(clientNonce);
            m.update(daemonNonce);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is part of every JDK", e);
        }
    }
}
