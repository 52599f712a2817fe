package io.subutai.p2p.core.internal.mesh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.LongSupplier;

import io.subutai.p2p.spi.Credentials;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.wire.KeyAgreement;

/**
 * A network's {@link Credentials} (docs/protocol.md §7.1, "Records and proofs"): record tags are
 * HMAC-SHA-256, cut to {@link Credentials#TAG_LENGTH} bytes, keyed with the record key that
 * derives from each stretched network key; agreed keys are {@link KeyAgreement#agree}'s (the one
 * definition servers share). Thread-safe: the key queue is, the rest is immutable.
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
        byte[] priv = self.privateKey();
        try {
            return KeyAgreement.agree(priv, self.publicKey(), peerPublic, label);
        } finally {
            Arrays.fill(priv, (byte) 0);
        }
    }

    /** The record key of a stretched network key. */
    static byte[] recordKey(byte[] stretched) {
        return KeyAgreement.hmac(stretched, RECORD_LABEL);
    }

    private static byte[] tag(byte[] key, byte[] record) {
        return Arrays.copyOf(KeyAgreement.hmac(key, record), TAG_LENGTH);
    }

    @Override
    public String toString() {
        return "NetworkCredentials[keys hidden]";
    }
}
