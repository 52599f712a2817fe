package io.subutai.p2p.spi;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The keys, counters and replay window agreed with one peer. {@link #seal} is called by one
 * thread at a time (the engine seals for a peer under that peer's lock, from the TAP thread, the
 * receive thread or the network's loop), {@link #open} by one thread (the network's receive
 * thread), possibly at the same time as a seal.
 */
@ConsumerType
public interface Session {

    /** Bytes a sealed datagram adds to the plaintext (counter and tag). */
    int overhead();

    /** Seals the plaintext (position to limit) into {@code out}, with the next counter as nonce. */
    void seal(ByteBuffer plaintext, ByteBuffer out);

    /**
     * Opens a sealed datagram into {@code plaintextOut}.
     *
     * @return false when it does not authenticate or replays an earlier one; nothing changes then
     */
    boolean open(ByteBuffer sealed, ByteBuffer plaintextOut);

    /**
     * Whether the engine must start a new handshake now (counter or age limit reached).
     *
     * @param nowNanos the engine's clock, the one the session was {@link Handshake#split split} on
     */
    boolean rekeyDue(long nowNanos);
}
