package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.spi.Credentials;
import io.subutai.p2p.spi.StaticKeys;

class NetworkCredentialsTest {

    private static final byte[] RECORD = "endpoints 10.0.0.1:6881".getBytes(StandardCharsets.US_ASCII);

    private static byte[] secret(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    private static StaticKeys keys() {
        byte[] priv = new byte[32];
        X25519.generatePrivateKey(new SecureRandom(), priv);
        byte[] pub = new byte[32];
        X25519.generatePublicKey(priv, 0, pub, 0);
        return new StaticKeys(priv, pub);
    }

    private static KeyQueue queue(byte[]... secrets) {
        KeyQueue q = new KeyQueue();
        long until = 1000;
        for (byte[] s : secrets) {
            q.addStretched(s, s == secrets[secrets.length - 1] ? Long.MAX_VALUE : until);
            until += 1000;
        }
        return q;
    }

    @Test
    void aMemberVerifiesAMembersTagAndNothingElse() {
        Credentials a = new NetworkCredentials(queue(secret(1)), keys(), () -> 0);
        Credentials b = new NetworkCredentials(queue(secret(1)), keys(), () -> 0);
        Credentials outsider = new NetworkCredentials(queue(secret(2)), keys(), () -> 0);
        byte[] tag = a.seal(RECORD);
        assertEquals(Credentials.TAG_LENGTH, tag.length);
        assertTrue(b.verify(RECORD, tag));
        assertFalse(outsider.verify(RECORD, tag), "another network's key verifies nothing");
        assertFalse(b.verify(RECORD, outsider.seal(RECORD)));
        byte[] altered = RECORD.clone();
        altered[altered.length - 1] ^= 1;
        assertFalse(b.verify(altered, tag), "a changed record fails");
        assertFalse(b.verify(RECORD, Arrays.copyOf(tag, 8)), "a short tag fails");
        assertFalse(b.verify(RECORD, null));
    }

    @Test
    void aRecordTaggedWithTheNextKeyVerifiesAcrossAKeyChange() {
        AtomicLong now = new AtomicLong(0);
        Credentials early = new NetworkCredentials(queue(secret(1), secret(3)), keys(), now::get);
        Credentials late = new NetworkCredentials(queue(secret(1), secret(3)), keys(), () -> 5000);
        byte[] lateTag = late.seal(RECORD);
        assertTrue(early.verify(RECORD, lateTag), "a peer that switched first is still heard");
        assertTrue(late.verify(RECORD, early.seal(RECORD)));
    }

    @Test
    void agreedKeysMatchOnBothSidesAndDependOnTheLabel() {
        StaticKeys server = keys();
        StaticKeys member = keys();
        Credentials m = new NetworkCredentials(queue(secret(1)), member, () -> 0);
        Credentials s = new NetworkCredentials(queue(secret(9)), server, () -> 0);
        byte[] k1 = m.agree(server.publicKey(), "register");
        assertNotNull(k1);
        assertEquals(Credentials.KEY_LENGTH, k1.length);
        assertArrayEquals(k1, s.agree(member.publicKey(), "register"), "both ends agree, whatever their network keys");
        assertFalse(Arrays.equals(k1, m.agree(server.publicKey(), "reply")));
        assertFalse(Arrays.equals(k1, new NetworkCredentials(queue(secret(1)), keys(), () -> 0)
                .agree(server.publicKey(), "register")), "another member's key agrees another key");
    }

    @Test
    void unusableKeysAgreeNothing() {
        Credentials m = new NetworkCredentials(queue(secret(1)), keys(), () -> 0);
        assertNull(m.agree(new byte[32], "x"), "the all-zero point has low order");
        assertNull(m.agree(new byte[31], "x"));
        assertNull(m.agree(null, "x"));
    }
}
