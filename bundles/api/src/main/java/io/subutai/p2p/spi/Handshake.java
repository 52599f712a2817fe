package io.subutai.p2p.spi;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

import org.osgi.annotation.versioning.ConsumerType;

/** One side of a handshake, message by message. Not thread-safe. */
@ConsumerType
public interface Handshake {

    /** Writes the next handshake message (carrying {@code payload}, which may be empty) into {@code out}. */
    void writeMessage(ByteBuffer payload, ByteBuffer out) throws GeneralSecurityException;

    /**
     * Reads the peer's next message and writes its payload into {@code payloadOut}.
     *
     * @throws GeneralSecurityException when the message does not authenticate; the state is unchanged
     */
    void readMessage(ByteBuffer message, ByteBuffer payloadOut) throws GeneralSecurityException;

    /** True once both sides have proven they hold the network secret. */
    boolean isComplete();

    /** The peer's static public key, once known. */
    byte[] remoteStaticKey();

    /**
     * The session the completed handshake agreed on.
     *
     * @param nowNanos the engine's clock now (a network's clock, virtual in a simulation): the
     *                 session's age, which decides when it is due for a rekey, counts from here
     */
    Session split(long nowNanos);
}
