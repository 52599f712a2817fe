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

    /**
     * Seals the plaintext (position to limit) into {@code out}, with the next counter as nonce and
     * {@code header} as associated data.
     *
     * @param header the 8 bytes in front of the sealed part (big-endian): the packet's header and
     *               receiver index, authenticated so that no bit of them can be changed on the way
     */
    void seal(long header, ByteBuffer plaintext, ByteBuffer out);

    /**
     * Opens a sealed datagram into {@code plaintextOut}.
     *
     * @param header the 8 bytes that came in front of it, as {@link #seal} was given them
     * @return false when it does not authenticate (its header included) or replays an earlier one; nothing changes then
     */
    boolean open(long header, ByteBuffer sealed, ByteBuffer plaintextOut);

    /**
     * Whether a datagram {@link #open} refused was refused as a replay (a counter received before,
     * or older than the window) rather than as a forgery; for the drop counters, so asked only after
     * a refusal. {@code sealed} is positioned as {@code open} was given it.
     *
     * @since 6.3
     */
    default boolean replayed(ByteBuffer sealed) {
        return false;
    }

    /**
     * Whether the engine must start a new handshake now (counter or age limit reached).
     *
     * @param nowNanos the engine's clock, the one the session was {@link Handshake#split split} on
     */
    boolean rekeyDue(long nowNanos);
}
