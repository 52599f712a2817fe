package io.subutai.p2p.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.SecureRandom;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class KeyAgreementTest {

    @Test
    void bothSidesAgreeAndAThirdKeyOrLabelDoesNot() {
        SecureRandom random = new SecureRandom();
        byte[] a = KeyAgreement.generatePrivate(random);
        byte[] b = KeyAgreement.generatePrivate(random);
        byte[] c = KeyAgreement.generatePrivate(random);
        byte[] pa = KeyAgreement.publicKey(a);
        byte[] pb = KeyAgreement.publicKey(b);
        byte[] ab = KeyAgreement.agree(a, pa, pb, "l");
        assertArrayEquals(ab, KeyAgreement.agree(b, pb, pa, "l"));
        assertFalse(Arrays.equals(ab, KeyAgreement.agree(c, KeyAgreement.publicKey(c), pb, "l")));
        assertFalse(Arrays.equals(ab, KeyAgreement.agree(a, pa, pb, "m")));
        assertNull(KeyAgreement.agree(a, pa, new byte[32], "l"), "a low-order point");
        assertNull(KeyAgreement.agree(a, pa, new byte[31], "l"));
    }
}
