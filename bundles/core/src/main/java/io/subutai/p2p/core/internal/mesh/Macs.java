package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.random.RandomGenerator;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.digests.Blake2sDigest;

/**
 * The MACs that end the handshake messages and the COOKIE_REPLY (docs/protocol.md §4.6, after
 * WireGuard's §5.4.4 and §5.4.7). {@code mac1} is a keyed BLAKE2s-128 of the message up to it,
 * keyed by a hash of a label and the <em>receiver's</em> static public key: whoever does not know
 * that key cannot make one, so a responder drops garbage at the cost of one hash, before any
 * Diffie-Hellman work and before any rate limit is charged. {@code mac2}, on initiations only, is
 * the same MAC keyed by a cookie: the responder's MAC of the initiator's source address under a
 * secret of its own; it proves the source address, and the responder asks for it when under load.
 * Stateless helpers, each call allocates its own digest; nothing is shared between threads (public
 * for simulations that play an attacker who knows a node's public key).
 */
public final class Macs {

    /** Bytes of a MAC and of a cookie. */
    public static final int MAC = 16;
    static final int COOKIE = 16;
    /** The random nonce of a COOKIE_REPLY (ChaCha20-Poly1305, 96 bits). */
    static final int NONCE = 12;
    /** The one COOKIE_REPLY size: header, receiver index, nonce, the cookie encrypted with its tag. */
    static final int COOKIE_REPLY = Wire.HEADER + Wire.INDEX + NONCE + COOKIE + Wire.TAG;

    private static final byte[] MAC1_LABEL = "p2p mac1 v3".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COOKIE_LABEL = "p2p cookie v3".getBytes(StandardCharsets.US_ASCII);

    private Macs() {
    }

    /** The key of the mac1 of messages to the holder of {@code staticKey}: {@code BLAKE2s-256(label || key)}. */
    public static byte[] mac1Key(byte[] staticKey) {
        return hash(MAC1_LABEL, staticKey);
    }

    /** The key that encrypts cookies from the holder of {@code staticKey}: {@code BLAKE2s-256(label || key)}. */
    static byte[] cookieKey(byte[] staticKey) {
        return hash(COOKIE_LABEL, staticKey);
    }

    private static byte[] hash(byte[] label, byte[] key) {
        Blake2sDigest d = new Blake2sDigest(256);
        d.update(label, 0, label.length);
        d.update(key, 0, key.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    /** The keyed BLAKE2s-128 of {@code length} bytes of {@code b} from absolute position {@code from}, into {@code out} at {@code at}. */
    static void mac(byte[] key, ByteBuffer b, int from, int length, byte[] out, int at) {
        Blake2sDigest d = new Blake2sDigest(key, MAC, null, null);
        if (b.hasArray()) {
            d.update(b.array(), b.arrayOffset() + from, length);
        } else {
            for (int i = 0; i < length; i++) {
                d.update(b.get(from + i));
            }
        }
        d.doFinal(out, at);
    }

    /**
     * Writes the MAC keyed by {@code key} over the message from {@code start} up to the buffer's
     * position, at the position, and moves past it. A null key writes zeros (no cookie: no mac2).
     */
    public static void append(byte[] key, ByteBuffer out, int start) {
        byte[] m = new byte[MAC];
        if (key != null) {
            mac(key, out, start, out.position() - start, m, 0);
        }
        out.put(m);
    }

    /** Whether the MAC at absolute position {@code at} of {@code b} is the one keyed by {@code key} over what precedes it from {@code start}. */
    static boolean valid(byte[] key, ByteBuffer b, int start, int at) {
        byte[] expected = new byte[MAC];
        mac(key, b, start, at - start, expected, 0);
        byte[] got = new byte[MAC];
        b.get(at, got);
        return MessageDigest.isEqual(expected, got);
    }

    /** Whether the 16 bytes at absolute position {@code at} are all zero (an initiation with no mac2). */
    static boolean zero(ByteBuffer b, int at) {
        int or = 0;
        for (int i = 0; i < MAC; i++) {
            or |= b.get(at + i);
        }
        return or == 0;
    }

    /** The cookie of {@code source} under {@code secret}: keyed BLAKE2s-128 of its address bytes and port (2, big-endian). */
    static byte[] cookie(byte[] secret, InetSocketAddress source) {
        byte[] ip = source.getAddress().getAddress();
        ByteBuffer b = ByteBuffer.allocate(ip.length + 2).put(ip).putShort((short) source.getPort()).flip();
        byte[] out = new byte[COOKIE];
        mac(secret, b, 0, b.remaining(), out, 0);
        return out;
    }

    /**
     * A COOKIE_REPLY to the initiation whose sender index is {@code receiverIndex} and whose mac1
     * is {@code mac1}: the cookie encrypted under {@code cookieKey} with a random nonce, {@code
     * mac1} as associated data, so only who made that initiation (and knows the responder's key)
     * can read it.
     */
    static ByteBuffer reply(Cipher c, byte[] cookieKey, int receiverIndex, byte[] mac1, byte[] cookie, RandomGenerator random)
            throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cookieKey, "ChaCha20"), new IvParameterSpec(nonce));
        c.updateAAD(mac1);
        ByteBuffer out = ByteBuffer.allocate(COOKIE_REPLY);
        Wire.header(out, Wire.COOKIE_REPLY);
        out.putInt(receiverIndex).put(nonce).put(c.doFinal(cookie));
        return out.flip();
    }

    /**
     * The cookie in a COOKIE_REPLY that {@link Wire#classify} accepted, or null when it does not
     * open under {@code cookieKey} and {@code mac1}. A cipher of its own each time (the JDK's refuses
     * a key and nonce it was last given, and replies are rare).
     */
    static byte[] openReply(byte[] cookieKey, ByteBuffer reply, byte[] mac1) {
        int at = reply.position() + Wire.HEADER + Wire.INDEX;
        byte[] nonce = new byte[NONCE];
        reply.get(at, nonce);
        byte[] sealed = new byte[COOKIE + Wire.TAG];
        reply.get(at + NONCE, sealed);
        try {
            Cipher c = cipher();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cookieKey, "ChaCha20"), new IvParameterSpec(nonce));
            c.updateAAD(mac1);
            return c.doFinal(sealed);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    /** A ChaCha20-Poly1305 cipher of the JDK's, for one thread. */
    static Cipher cipher() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks ChaCha20-Poly1305", e);
        }
    }
}
