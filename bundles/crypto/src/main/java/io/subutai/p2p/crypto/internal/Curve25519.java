package io.subutai.p2p.crypto.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import org.bouncycastle.math.ec.rfc7748.X25519;

/** X25519 (RFC 7748) through BouncyCastle's lightweight implementation. */
final class Curve25519 {

    static final int KEYLEN = X25519.POINT_SIZE;

    private Curve25519() {
    }

    static byte[] generatePrivate(SecureRandom random) {
        byte[] k = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(random, k);
        return k;
    }

    static byte[] publicKey(byte[] privateKey) {
        byte[] p = new byte[KEYLEN];
        X25519.generatePublicKey(privateKey, 0, p, 0);
        return p;
    }

    /**
     * @throws GeneralSecurityException when the peer's key is a low-order point (the result would be all zeros)
     */
    static byte[] dh(byte[] privateKey, byte[] publicKey) throws GeneralSecurityException {
        if (publicKey.length != KEYLEN) {
            throw new GeneralSecurityException("X25519 public key of " + publicKey.length + " bytes");
        }
        byte[] out = new byte[KEYLEN];
        if (!X25519.calculateAgreement(privateKey, 0, publicKey, 0, out, 0)) {
            throw new GeneralSecurityException("X25519 with a low-order point");
        }
        return out;
    }
}
