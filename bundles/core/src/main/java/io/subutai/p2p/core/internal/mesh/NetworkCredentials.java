package io.subutai.p2p.core.internal.mesh;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.LongSupplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.math.ec.rfc7748.X25519;

import io.subutai.p2p.spi.Credentials;
import io.subutai.p2p.spi.StaticKeys;

/**
 * A network's {@link Credentials} (docs/protocol.md §4, "Records and proofs"): record tags are
 * HMAC-SHA-256, cut to {@link Credentials#TAG_LENGTH} bytes, keyed with the record key that
 * derives from each stretched network key; agreed keys are HMAC-SHA-256 of the label and both
 * public keys (in byte order), keyed with the X25519 agreement of this network's static key and
 * the peer's. Thread-safe: the key queue is, the rest is immutable.
 */
public final class NetworkCredentials implements Credentials {

    private static final byte[] RECORD_LABEL = "p2p record key v3".getBytes(StandardCharsets.US_ASCII);

    // immutable
    private final KeyQueue keys;
    private final StaticKeys self;
    private final LongSupplier unixSeconds;

    /**
     * @param keys        the network's keys (their stretched secrets)
     * @param self        the static key pair this node uses in this network
     * @param unixSeconds the clock that says which key is current
     */
    public NetworkCredentials(KeyQueue keys, StaticKeys self, LongSupplier unixSeconds) {
        this.keys = keys;
        this.self = self;
        this.unixSeconds = unixSeconds;
    }

    @Override
    public byte[] seal(byte[] record) {
        byte[] current = keys.recordSecrets(unixSeconds.getAsLong()).get(0);
        if (current == null) {
            throw new IllegalStateException("the network has no valid key now");
        }
        return tag(recordKey(current), record);
    }

    @Override
    public boolean verify(byte[] record, byte[] tag) {
        if (tag == null || tag.length != TAG_LENGTH) {
            return false;
        }
        boolean ok = false;
        for (byte[] secret : keys.recordSecrets(unixSeconds.getAsLong())) {
            if (secret != null) {
                ok |= MessageDigest.isEqual(tag(recordKey(secret), record), tag);
            }
        }
        return ok;
    }

    @Override
    public byte[] agree(byte[] peerPublic, String label) {
        if (peerPublic == null || peerPublic.length != X25519.POINT_SIZE) {
            return null;
        }
        byte[] shared = new byte[X25519.POINT_SIZE];
        byte[] priv = self.privateKey();
        try {
            if (!X25519.calculateAgreement(priv, 0, peerPublic, 0, shared, 0)) {
                return null; // a low-order point: the "agreement" would be all zeros, known to anyone
            }
            byte[] mine = self.publicKey();
            boolean mineFirst = Arrays.compareUnsigned(mine, peerPublic) <= 0;
            return hmac(shared, label.getBytes(StandardCharsets.UTF_8), mineFirst ? mine : peerPublic,
                    mineFirst ? peerPublic : mine);
        } finally {
            Arrays.fill(priv, (byte) 0);
            Arrays.fill(shared, (byte) 0);
        }
    }

    /** The record key of a stretched network key. */
    static byte[] recordKey(byte[] stretched) {
        return hmac(stretched, RECORD_LABEL);
    }

    private static byte[] tag(byte[] key, byte[] record) {
        return Arrays.copyOf(hmac(key, record), TAG_LENGTH);
    }

    private static byte[] hmac(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is missing from this Java", e);
        }
    }

    @Override
    public String toString() {
        return "NetworkCredentials[keys hidden]";
    }
}
