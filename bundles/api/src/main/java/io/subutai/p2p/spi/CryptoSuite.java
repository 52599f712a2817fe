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

    /**
     * The suite's number on the wire (docs/protocol.md §3.1): an initiation names the suite it
     * was made with, and peers tell each other the suites they have. {@code 1} is
     * {@code noise-ikpsk2}, {@code 2} is {@code noise-ikpsk2-mlkem768}; 1 to 255.
     */
    int wireId();

    default Availability availability() {
        return Availability.yes();
    }

    /** A new static key pair for this node (kept by the engine in the state directory). */
    StaticKeys generateKeys();

    /**
     * The pre-shared key of a network, derived from its secret (the network key, or the hash when
     * no key was given), so that only members can complete a handshake.
     */
    byte[] derivePsk(byte[] networkSecret);

    /**
     * Starts a handshake as the side that sends first, to the peer whose static public key
     * discovery reported.
     */
    Handshake initiate(StaticKeys local, byte[] remoteStatic, byte[] psk);

    /** Starts a handshake as the side that answers; the initiator's static key arrives in its first message. */
    Handshake respond(StaticKeys local, byte[] psk);
}
