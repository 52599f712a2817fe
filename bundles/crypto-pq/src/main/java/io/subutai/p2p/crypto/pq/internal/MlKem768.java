package io.subutai.p2p.crypto.pq.internal;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

import io.subutai.p2p.crypto.internal.HandshakeKem;

/**
 * ML-KEM-768 (FIPS 203) through BouncyCastle's lightweight classes, no provider: 1184-byte
 * encapsulation keys, 1088-byte ciphertexts, 32-byte secrets. Key generation draws 64 bytes from
 * the random source (d, then z), an encapsulation 32 (m). Thread-safe: each call makes its own
 * BouncyCastle objects, and a {@link SecureRandom} is thread-safe.
 */
final class MlKem768 implements HandshakeKem {

    private static final MLKEMParameters PARAMETERS = MLKEMParameters.ml_kem_768;
    static final int ENCAPSULATION_KEY_LEN = 1184;
    static final int CIPHERTEXT_LEN = 1088;

    private final SecureRandom random;

    MlKem768(SecureRandom random) {
        this.random = random;
    }

    @Override
    public int encapsulationKeyLength() {
        return ENCAPSULATION_KEY_LEN;
    }

    @Override
    public int ciphertextLength() {
        return CIPHERTEXT_LEN;
    }

    @Override
    public Decapsulator generate() {
        MLKEMKeyPairGenerator generator = new MLKEMKeyPairGenerator();
        generator.init(new MLKEMKeyGenerationParameters(random, PARAMETERS));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        byte[] encapsulationKey = ((MLKEMPublicKeyParameters) pair.getPublic()).getEncoded();
        MLKEMPrivateKeyParameters privateKey = (MLKEMPrivateKeyParameters) pair.getPrivate();
        return new Decapsulator() {
            @Override
            public byte[] encapsulationKey() {
                return encapsulationKey.clone();
            }

            @Override
            public byte[] decapsulate(byte[] ciphertext) throws GeneralSecurityException {
                if (ciphertext.length != CIPHERTEXT_LEN) {
                    throw new GeneralSecurityException("ML-KEM-768 ciphertext of " + ciphertext.length + " bytes");
                }
                // implicit rejection: a ciphertext that is not the one made for this key gives a
                // secret nobody else has, and the handshake fails at its next tag
                return new MLKEMExtractor(privateKey).extractSecret(ciphertext);
            }
        };
    }

    @Override
    public Encapsulation encapsulate(byte[] encapsulationKey) throws GeneralSecurityException {
        if (encapsulationKey.length != ENCAPSULATION_KEY_LEN) {
            throw new GeneralSecurityException("ML-KEM-768 encapsulation key of " + encapsulationKey.length + " bytes");
        }
        MLKEMPublicKeyParameters key;
        try {
            key = new MLKEMPublicKeyParameters(PARAMETERS, encapsulationKey); // FIPS 203's modulus check
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not an ML-KEM-768 encapsulation key: " + e.getMessage(), e);
        }
        SecretWithEncapsulation s = new MLKEMGenerator(random).generateEncapsulated(key);
        return new Encapsulation(s.getEncapsulation(), s.getSecret());
    }
}
