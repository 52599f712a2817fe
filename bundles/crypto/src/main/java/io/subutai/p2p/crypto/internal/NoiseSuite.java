package io.subutai.p2p.crypto.internal;

import java.security.SecureRandom;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.subutai.p2p.spi.CryptoSuite;

/**
 * The default crypto suite: Noise IKpsk2 with X25519, BLAKE2s and ChaCha20-Poly1305 for the
 * handshake, then AES-256-GCM (preferred; hardware-accelerated) or ChaCha20-Poly1305 for data,
 * as the peers agree. No global crypto provider is registered: BouncyCastle's lightweight classes
 * and the JDK's own ciphers only.
 */
@Component(service = CryptoSuite.class, property = CryptoSuite.PROPERTY + "=" + NoiseSuite.NAME,
        configurationPid = "io.subutai.p2p.crypto")
@Designate(ocd = NoiseSuite.Config.class)
public final class NoiseSuite extends NoiseIkSuite {

    static final String NAME = "noise-ikpsk2";
    /** The suite's number on the wire (docs/protocol.md §3.1). */
    static final int WIRE_ID = 1;

    @ObjectClassDefinition(name = "p2p crypto suite")
    public @interface Config {
        @AttributeDefinition(description = "data AEADs this node accepts, best first")
        String aeads() default "aes-256-gcm,chacha20-poly1305";
    }

    @Activate
    public NoiseSuite(Config config) {
        this(config.aeads(), new SecureRandom());
    }

    /**
     * @param aeads  the data AEADs this node accepts, best first ({@link Config#aeads})
     * @param random static and ephemeral keys come from here
     */
    public NoiseSuite(String aeads, SecureRandom random) {
        super(NoiseIk.PROTOCOL_NAME, null, aeads, random);
    }

    @Override
    public int wireId() {
        return WIRE_ID;
    }
}
