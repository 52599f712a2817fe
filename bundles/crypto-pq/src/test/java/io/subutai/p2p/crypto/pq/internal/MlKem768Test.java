package io.subutai.p2p.crypto.pq.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.crypto.internal.HandshakeKem;

class MlKem768Test {

    private final MlKem768 kem = new MlKem768(new SecureRandom());

    @Test
    void bothSidesGetTheSameSecretFromKeysAndCiphertextsOfFips203Sizes() throws GeneralSecurityException {
        HandshakeKem.Decapsulator keys = kem.generate();
        assertEquals(1184, keys.encapsulationKey().length);
        HandshakeKem.Encapsulation enc = kem.encapsulate(keys.encapsulationKey());
        assertEquals(1088, enc.ciphertext().length);
        assertEquals(32, enc.secret().length);
        assertArrayEquals(enc.secret(), keys.decapsulate(enc.ciphertext()));
    }

    @Test
    void aChangedCiphertextGivesAnotherSecretWithoutAnError() throws GeneralSecurityException {
        HandshakeKem.Decapsulator keys = kem.generate();
        HandshakeKem.Encapsulation enc = kem.encapsulate(keys.encapsulationKey());
        byte[] bad = enc.ciphertext();
        bad[100] ^= 1;
        assertFalse(Arrays.equals(enc.secret(), keys.decapsulate(bad)), "implicit rejection");
    }

    @Test
    void malformedKeysAndCiphertextsAreRefused() {
        HandshakeKem.Decapsulator keys = kem.generate();
        byte[] outOfRange = new byte[1184];
        Arrays.fill(outOfRange, (byte) 0xff);
        assertThrows(GeneralSecurityException.class, () -> kem.encapsulate(outOfRange));
        assertThrows(GeneralSecurityException.class, () -> kem.encapsulate(new byte[1183]));
        assertThrows(GeneralSecurityException.class, () -> kem.encapsulate(new byte[0]));
        assertThrows(GeneralSecurityException.class, () -> keys.decapsulate(new byte[1087]));
        assertThrows(GeneralSecurityException.class, () -> keys.decapsulate(new byte[1089]));
    }
}
