package io.subutai.p2p.crypto.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.spec.AlgorithmParameterSpec;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AEADs, from the JDK (hardware AES-GCM; no provider of our own): 256-bit keys, 96-bit nonces
 * made of 32 zero bits and a 64-bit counter, 16-byte tags. Each has a one-byte identifier used on
 * the wire when peers choose one (docs/protocol.md).
 */
enum Aead {
    /** The default: AES-256-GCM, hardware-accelerated here. */
    AES_256_GCM(1, "aes-256-gcm", "AES/GCM/NoPadding", "AES", false),
    /** ChaCha20-Poly1305 (RFC 8439), for hosts without AES instructions; Noise's handshake cipher. */
    CHACHA20_POLY1305(2, "chacha20-poly1305", "ChaCha20-Poly1305", "ChaCha20", true);

    static final int KEYLEN = 32;
    static final int TAGLEN = 16;

    final int id;
    final String label;
    private final String transformation;
    private final String keyAlgorithm;
    private final boolean littleEndianNonce;

    Aead(int id, String label, String transformation, String keyAlgorithm, boolean littleEndianNonce) {
        this.id = id;
        this.label = label;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
        this.littleEndianNonce = littleEndianNonce;
    }

    static Aead byId(int id) {
        for (Aead a : values()) {
            if (a.id == id) {
                return a;
            }
        }
        return null;
    }

    Cipher newCipher() throws GeneralSecurityException {
        return Cipher.getInstance(transformation);
    }

    Key key(byte[] bytes) {
        return new SecretKeySpec(bytes, keyAlgorithm);
    }

    /** The nonce for a counter: 4 zero bytes, then the counter (little-endian for ChaChaPoly, as Noise has it). */
    AlgorithmParameterSpec nonce(long counter) {
        byte[] n = new byte[12];
        for (int i = 0; i < 8; i++) {
            int shift = littleEndianNonce ? 8 * i : 8 * (7 - i);
            n[4 + i] = (byte) (counter >>> shift);
        }
        return this == AES_256_GCM ? new GCMParameterSpec(TAGLEN * 8, n) : new IvParameterSpec(n);
    }

    /** One-shot seal, for the handshake: returns ciphertext and tag. */
    byte[] seal(byte[] key, long counter, byte[] ad, byte[] plaintext) throws GeneralSecurityException {
        Cipher c = newCipher();
        c.init(Cipher.ENCRYPT_MODE, key(key), nonce(counter));
        c.updateAAD(ad);
        return c.doFinal(plaintext);
    }

    /** One-shot open, for the handshake. */
    byte[] open(byte[] key, long counter, byte[] ad, byte[] sealed) throws GeneralSecurityException {
        Cipher c = newCipher();
        c.init(Cipher.DECRYPT_MODE, key(key), nonce(counter));
        c.updateAAD(ad);
        return c.doFinal(sealed);
    }

    /** Seals {@code plain} (position to limit) into {@code out} with associated data {@code ad}, with a cipher this caller owns. */
    void seal(Cipher c, Key key, long counter, byte[] ad, ByteBuffer plain, ByteBuffer out) throws GeneralSecurityException {
        c.init(Cipher.ENCRYPT_MODE, key, nonce(counter));
        c.updateAAD(ad);
        c.doFinal(plain, out);
    }

    /** {@link #seal(Cipher, Key, long, byte[], ByteBuffer, ByteBuffer)} of arrays: {@code in[0, length)} into {@code out}; returns the bytes written. */
    int seal(Cipher c, Key key, long counter, byte[] ad, byte[] in, int length, byte[] out) throws GeneralSecurityException {
        c.init(Cipher.ENCRYPT_MODE, key, nonce(counter));
        c.updateAAD(ad);
        return c.doFinal(in, 0, length, out, 0);
    }

    /** {@link #open(Cipher, Key, long, byte[], ByteBuffer, ByteBuffer)} of arrays; returns the bytes written. */
    int open(Cipher c, Key key, long counter, byte[] ad, byte[] in, int length, byte[] out) throws GeneralSecurityException {
        c.init(Cipher.DECRYPT_MODE, key, nonce(counter));
        c.updateAAD(ad);
        return c.doFinal(in, 0, length, out, 0);
    }

    /** Opens {@code sealed} into {@code out}, {@code ad} its associated data; throws when it does not authenticate. */
    void open(Cipher c, Key key, long counter, byte[] ad, ByteBuffer sealed, ByteBuffer out) throws GeneralSecurityException {
        c.init(Cipher.DECRYPT_MODE, key, nonce(counter));
        c.updateAAD(ad);
        c.doFinal(sealed, out);
    }
}
