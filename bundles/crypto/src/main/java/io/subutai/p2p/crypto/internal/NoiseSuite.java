package io.subutai.p2p.crypto.internal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.StaticKeys;

/**
 * The default crypto suite: Noise IKpsk2 with X25519, BLAKE2s and ChaCha20-Poly1305 for the
 * handshake, then AES-256-GCM (preferred; hardware-accelerated) or ChaCha20-Poly1305 for data,
 * as the peers agree. No global crypto provider is registered: BouncyCastle's lightweight classes
 * and the JDK's own ciphers only.
 */
@Component(service = CryptoSuite.class, property = CryptoSuite.PROPERTY + "=" + NoiseSuite.NAME,
        configurationPid = "io.subutai.p2p.crypto")
@Designate(ocd = NoiseSuite.Config.class)
public final class NoiseSuite implements CryptoSuite {

    static final String NAME = "noise-ikpsk2";
    private static final byte[] PSK_LABEL = "p2p network psk v1".getBytes(StandardCharsets.US_ASCII);

    @ObjectClassDefinition(name = "p2p crypto suite")
    public @interface Config {
        @AttributeDefinition(description = "data AEADs this node accepts, best first")
        String aeads() default "aes-256-gcm,chacha20-poly1305";
    }

    private final SecureRandom random = new SecureRandom();
    private final List<Aead> aeads;

    @Activate
    public NoiseSuite(Config config) {
        List<Aead> a = NoiseIk.parseAeads(config.aeads());
        this.aeads = a.isEmpty() ? List.of(Aead.values()) : a;
    }

    /** The suite's number on the wire (docs/protocol.md §3.1). */
    static final int WIRE_ID = 1;

    @Override
    public int wireId() {
        return WIRE_ID;
    }

    @Override
    public StaticKeys generateKeys() {
        byte[] privateKey = Curve25519.generatePrivate(random);
        return new StaticKeys(privateKey, Curve25519.publicKey(privateKey));
    }

    @Override
    public byte[] derivePsk(byte[] networkSecret) {
        return Blake2s.hkdf(Blake2s.hash(PSK_LABEL), networkSecret, 2)[0];
    }

    @Override
    public Handshake initiate(StaticKeys local, byte[] remoteStatic, byte[] psk) {
        return new NoiseIk(NoiseIk.Role.INITIATOR, local, remoteStatic, psk, aeads, () -> Curve25519.generatePrivate(random));
    }

    @Override
    public Handshake respond(StaticKeys local, byte[] psk) {
        return new NoiseIk(NoiseIk.Role.RESPONDER, local, null, psk, aeads, () -> Curve25519.generatePrivate(random));
    }
}
