package io.subutai.p2p.crypto.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.StaticKeys;

/**
 * A crypto suite made of Noise IKpsk2, plain or with a {@link HandshakeKem}: static keys (X25519),
 * the network PSK, and handshakes of one variant of the protocol. The classic suite
 * ({@link NoiseSuite}) and the hybrid one of the crypto-pq bundle, which embeds this package, are
 * components that extend it; so a node has one static key whichever suites it runs, and every
 * suite derives the same PSK from a network's secret.
 *
 * <p>Public only for crypto-pq; the package is not exported. Thread-safe: it holds nothing but
 * immutable settings and the random source (a {@link SecureRandom} is thread-safe).
 */
public abstract class NoiseIkSuite implements CryptoSuite {

    private static final byte[] PSK_LABEL = "p2p network psk v1".getBytes(StandardCharsets.US_ASCII);

    // immutable
    private final byte[] protocol;
    private final HandshakeKem kem;
    private final List<Aead> aeads;
    private final SecureRandom random;

    /**
     * @param protocol the Noise protocol name; a variant with a KEM needs a name of its own, so that
     *                 its transcripts can never be taken for another's
     * @param kem      the hybrid suite's key encapsulation, or null for plain IKpsk2
     * @param aeads    the data AEADs this node accepts, best first, by label (unknown labels are
     *                 ignored; none known means all of them)
     * @param random   static and ephemeral X25519 keys come from here
     */
    protected NoiseIkSuite(String protocol, HandshakeKem kem, String aeads, SecureRandom random) {
        this.protocol = protocol.getBytes(StandardCharsets.US_ASCII);
        this.kem = kem;
        List<Aead> a = NoiseIk.parseAeads(aeads);
        this.aeads = a.isEmpty() ? List.of(Aead.values()) : a;
        this.random = random;
    }

    @Override
    public final StaticKeys generateKeys() {
        byte[] privateKey = Curve25519.generatePrivate(random);
        return new StaticKeys(privateKey, Curve25519.publicKey(privateKey));
    }

    @Override
    public final byte[] derivePsk(byte[] networkSecret) {
        return Blake2s.hkdf(Blake2s.hash(PSK_LABEL), networkSecret, 2)[0];
    }

    @Override
    public final Handshake initiate(StaticKeys local, byte[] remoteStatic, byte[] psk) {
        return new NoiseIk(NoiseIk.Role.INITIATOR, local, remoteStatic, psk, aeads, this::ephemeral, protocol, kem);
    }

    @Override
    public final Handshake respond(StaticKeys local, byte[] psk) {
        return new NoiseIk(NoiseIk.Role.RESPONDER, local, null, psk, aeads, this::ephemeral, protocol, kem);
    }

    private byte[] ephemeral() {
        return Curve25519.generatePrivate(random);
    }
}
