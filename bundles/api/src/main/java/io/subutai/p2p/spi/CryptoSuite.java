package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A handshake and the AEAD that protects data after it. Registered with {@link #PROPERTY} naming
 * the suite; peers agree on one in the handshake.
 */
@ConsumerType
public interface CryptoSuite {

    /** Service property: the suite's name, e.g. {@code noise-ikpsk2-aes256gcm}. */
    String PROPERTY = "p2p.crypto";

    default Availability availability() {
        return Availability.yes();
    }

    /** Starts a handshake as the side that sends first. */
    Handshake initiate(StaticKeys local, byte[] psk);

    /** Starts a handshake as the side that answers. */
    Handshake respond(StaticKeys local, byte[] psk);
}
