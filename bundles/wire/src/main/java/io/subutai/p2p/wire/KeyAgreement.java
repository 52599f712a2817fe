package io.subutai.p2p.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * The one definition of keys agreed between two static X25519 keys (docs/protocol.md §7.1, "Records
 * and proofs"), which members and servers share: HMAC-SHA-256 keyed with the X25519 agreement,
 * over the label and both public keys in unsigned byte order; and the 16-byte MACs made with such
 * keys. Stateless; any thread.
 */
public final class KeyAgreement {

    /** Bytes in a key, public or private, and in an agreed key. */
    public static final int KEY = 32;
    /** Bytes in a MAC. */
    public static final int MAC = 16;

    private KeyAgreement() {
    }

    /** A fresh private key. */
    public static byte[] generatePrivate(SecureRandom random) {
        byte[] k = new byte[KEY];
        X25519.generatePrivateKey(random, k);
        return k;
    }

    /** The public key of {@code privateKey}. */
    public static byte[] publicKey(byte[] privateKey) {
        byte[] p = new byte[KEY];
        X25519.generatePublicKey(privateKey, 0, p, 0);
        return p;
    }

    /**
     * The key that only the holders of {@code privateKey} (whose public key is {@code ownPublic})
     * and of the private half of {@code peerPublic} can compute, bound to {@code label}; null when
     * {@code peerPublic} is not a usable key (wrong length, or a low-order point).
     */
    public static byte[] agree(byte[] privateKey, byte[] ownPublic, byte[] peerPublic, String label) {
        if (peerPublic == null || peerPublic.length != KEY) {
            return null;
        }
        byte[] shared = new byte[KEY];
        try {
            if (!X25519.calculateAgreement(privateKey, 0, peerPublic, 0, shared, 0)) {
                return null; // a low-order point: the "agreement" would be all zeros, known to anyone
            }
            boolean ownFirst = Arrays.compareUnsigned(ownPublic, peerPublic) <= 0;
            return hmac(shared, label.getBytes(StandardCharsets.UTF_8), ownFirst ? ownPublic : peerPublic,
                    ownFirst ? peerPublic : ownPublic);
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    /** HMAC-SHA-256 of the parts, in order, keyed with {@code key}. */
    public static byte[] hmac(byte[] key, byte[]... parts) {
        Mac mac = mac(key);
        for (byte[] p : parts) {
            mac.update(p);
        }
        return mac.doFinal();
    }

    /** The first {@link #MAC} bytes of HMAC-SHA-256 of {@code data[off, off+len)} keyed with {@code key}. */
    public static byte[] mac(byte[] key, byte[] data, int off, int len) {
        Mac mac = mac(key);
        mac.update(data, off, len);
        return Arrays.copyOf(mac.doFinal(), MAC);
    }

    /** Whether two MACs are the same, in constant time. */
    public static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is missing from this Java", e);
        }
    }
}
