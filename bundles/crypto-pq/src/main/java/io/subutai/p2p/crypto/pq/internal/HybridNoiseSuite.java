package io.subutai.p2p.crypto.pq.internal;

import java.security.SecureRandom;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.subutai.p2p.crypto.internal.NoiseIkSuite;
import io.subutai.p2p.spi.CryptoSuite;

/**
 * The hybrid post-quantum suite {@code noise-ikpsk2-mlkem768}: the classic suite's Noise IKpsk2
 * (X25519, BLAKE2s, ChaCha20-Poly1305, the network key as PSK) with an ephemeral ML-KEM-768
 * exchange mixed into the chaining key, in the manner of the Noise HFS extension and Rosenpass.
 * The session keys depend on the X25519 results, the ML-KEM secret and the PSK, so recorded
 * traffic stays secret while any one of the three holds (a quantum computer that breaks X25519
 * later does not open it). The same static keys and PSK as the classic suite; after the
 * handshake, data, AEAD choice, replay window and rekeying are the classic suite's
 * (docs/protocol.md, "Suite 2").
 *
 * <p>Ranked above the classic suite so the engine prefers it where both peers have it. The
 * handshake code is the crypto bundle's, embedded in this bundle (see bnd.bnd); only this
 * component is registered from here.
 */
@Component(service = CryptoSuite.class,
        property = {CryptoSuite.PROPERTY + "=" + HybridNoiseSuite.NAME, "service.ranking:Integer=10"},
        configurationPid = "io.subutai.p2p.crypto.pq")
@Designate(ocd = HybridNoiseSuite.Config.class)
public final class HybridNoiseSuite extends NoiseIkSuite {

    static final String NAME = "noise-ikpsk2-mlkem768";
    /** The suite's number on the wire (docs/protocol.md §3.1). */
    static final int WIRE_ID = 2;
    /**
     * The Noise protocol name: IKpsk2 with the HFS modifier (tokens e1 and ekem1), X25519 with
     * ML-KEM-768 as the second (KEM) algorithm. It starts the transcript, so no message of this
     * suite can be taken for one of the classic suite's, or the other way round.
     */
    static final String PROTOCOL = "Noise_IKpsk2+hfs_25519+MLKEM768_ChaChaPoly_BLAKE2s";

    /** Like the classic suite's configuration, under a PID of its own. */
    @ObjectClassDefinition(name = "p2p crypto suite noise-ikpsk2-mlkem768")
    public @interface Config {
        @AttributeDefinition(description = "data AEADs this node accepts, best first")
        String aeads() default "aes-256-gcm,chacha20-poly1305";
    }

    @Activate
    public HybridNoiseSuite(Config config) {
        this(config.aeads(), new SecureRandom());
    }

    /**
     * @param aeads  the data AEADs this node accepts, best first
     * @param random every ephemeral key (X25519 and ML-KEM) and encapsulation draws from here
     */
    public HybridNoiseSuite(String aeads, SecureRandom random) {
        super(PROTOCOL, new MlKem768(random), aeads, random);
    }

    @Override
    public int wireId() {
        return WIRE_ID;
    }
}
