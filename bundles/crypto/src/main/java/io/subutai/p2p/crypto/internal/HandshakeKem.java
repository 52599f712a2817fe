package io.subutai.p2p.crypto.internal;

import java.security.GeneralSecurityException;

/**
 * An ephemeral key encapsulation woven into {@link NoiseIk} (a hybrid suite): the initiator sends a
 * fresh encapsulation key in the first message, the responder encapsulates to it and sends the
 * ciphertext in the second, and both mix the shared secret into the chaining key before the PSK.
 * Without one, the handshake is plain IKpsk2.
 *
 * <p>Public only for the suite bundles that embed this package (crypto-pq); the package is not
 * exported. An implementation is used by many handshakes at once, from any thread.
 */
public interface HandshakeKem {

    /** Bytes of an encapsulation key on the wire (before the handshake's AEAD tag). */
    int encapsulationKeyLength();

    /** Bytes of a ciphertext on the wire (before the handshake's AEAD tag). */
    int ciphertextLength();

    /** A fresh key pair for one handshake (the initiator's). */
    Decapsulator generate();

    /**
     * Encapsulates a fresh secret to the initiator's key.
     *
     * @throws GeneralSecurityException when the key is not a valid encapsulation key
     */
    Encapsulation encapsulate(byte[] encapsulationKey) throws GeneralSecurityException;

    /** The initiator's half of one key pair: it keeps the private key until the answer comes. */
    interface Decapsulator {

        /** The public half, sent to the responder. */
        byte[] encapsulationKey();

        /**
         * The secret the responder encapsulated.
         *
         * @throws GeneralSecurityException when the ciphertext is malformed
         */
        byte[] decapsulate(byte[] ciphertext) throws GeneralSecurityException;
    }

    /**
     * What the responder sends and what it keeps.
     *
     * @param ciphertext the encapsulation, sent to the initiator
     * @param secret     the shared secret, mixed into the chaining key
     */
    record Encapsulation(byte[] ciphertext, byte[] secret) {
    }
}
