package io.subutai.p2p.crypto.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Key;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

import io.subutai.p2p.spi.Session;

/**
 * Transport keys agreed in a handshake. A sealed datagram is {@code counter (8 bytes, big-endian)
 * || ciphertext || tag (16)}; the counter is the nonce, so it never repeats, and the receiver's
 * {@link ReplayWindow} refuses any counter it has opened or that is too old. One thread seals and
 * one thread opens; each owns its cipher object.
 */
final class AeadSession implements Session {

    static final int COUNTER_LEN = 8;
    /** Start a new handshake after this many packets (WireGuard's REKEY_AFTER_MESSAGES). */
    static final long REKEY_AFTER_MESSAGES = 1L << 60;
    /** Never seal beyond this many packets. */
    static final long REJECT_AFTER_MESSAGES = Long.MAX_VALUE - (1L << 13);
    /** Start a new handshake after this long. */
    static final long REKEY_AFTER_NANOS = 120_000_000_000L;

    // immutable
    private final Aead aead;
    private final Key sendKey;
    private final Key receiveKey;
    private final long createdNanos;

    // owned by the sealing thread
    private final Cipher sealer;
    private long sendCounter;

    // owned by the opening thread
    private final Cipher opener;
    private final ReplayWindow window = new ReplayWindow();

    AeadSession(Aead aead, byte[] sendKey, byte[] receiveKey, long createdNanos) throws GeneralSecurityException {
        this.aead = aead;
        this.sendKey = aead.key(sendKey);
        this.receiveKey = aead.key(receiveKey);
        this.createdNanos = createdNanos;
        this.sealer = aead.newCipher();
        this.opener = aead.newCipher();
    }

    Aead aead() {
        return aead;
    }

    @Override
    public int overhead() {
        return COUNTER_LEN + Aead.TAGLEN;
    }

    @Override
    public void seal(ByteBuffer plaintext, ByteBuffer out) {
        if (sendCounter >= REJECT_AFTER_MESSAGES) {
            throw new IllegalStateException("session exhausted: a new handshake is overdue");
        }
        long counter = sendCounter++;
        out.putLong(counter);
        try {
            aead.seal(sealer, sendKey, counter, plaintext, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed: " + e, e);
        }
    }

    @Override
    public boolean open(ByteBuffer sealed, ByteBuffer plaintextOut) {
        if (sealed.remaining() < overhead()) {
            return false;
        }
        int start = sealed.position();
        long counter = sealed.getLong();
        if (!window.isNew(counter)) {
            sealed.position(start);
            return false;
        }
        int outStart = plaintextOut.position();
        try {
            aead.open(opener, receiveKey, counter, sealed, plaintextOut);
        } catch (AEADBadTagException e) {
            sealed.position(start);
            plaintextOut.position(outStart);
            return false;
        } catch (GeneralSecurityException e) {
            sealed.position(start);
            plaintextOut.position(outStart);
            return false;
        }
        window.accept(counter);
        return true;
    }

    @Override
    public boolean rekeyDue(long nowNanos) {
        return sendCounter >= REKEY_AFTER_MESSAGES || nowNanos - createdNanos >= REKEY_AFTER_NANOS;
    }
}
