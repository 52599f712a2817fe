package io.subutai.p2p.crypto.internal;

import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * BLAKE2s-256 and the HMAC and HKDF built on it, as the Noise framework defines them (HASHLEN 32,
 * BLOCKLEN 64). BouncyCastle's lightweight classes, no provider.
 */
final class Blake2s {

    static final int HASHLEN = 32;

    private Blake2s() {
    }

    static byte[] hash(byte[]... parts) {
        Blake2sDigest d = new Blake2sDigest(256);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[HASHLEN];
        d.doFinal(out, 0);
        return out;
    }

    static byte[] hmac(byte[] key, byte[]... parts) {
        HMac mac = new HMac(new Blake2sDigest(256));
        mac.init(new KeyParameter(key));
        for (byte[] p : parts) {
            mac.update(p, 0, p.length);
        }
        byte[] out = new byte[HASHLEN];
        mac.doFinal(out, 0);
        return out;
    }

    /** Noise's HKDF(chaining_key, input_key_material, num_outputs), 2 or 3 outputs of 32 bytes. */
    static byte[][] hkdf(byte[] chainingKey, byte[] ikm, int outputs) {
        byte[] temp = hmac(chainingKey, ikm);
        byte[][] out = new byte[outputs][];
        byte[] previous = new byte[0];
        for (int i = 0; i < outputs; i++) {
            previous = hmac(temp, previous, new byte[] {(byte) (i + 1)});
            out[i] = previous;
        }
        return out;
    }
}
