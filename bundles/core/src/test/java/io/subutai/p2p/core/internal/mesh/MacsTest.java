package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

class MacsTest {

    private static final byte[] RESPONDER = key(7);
    private static final byte[] OTHER = key(8);
    private final SecureRandom random = new SecureRandom();
    private final Cipher sealer = Macs.cipher(); // the responder's

    private static byte[] key(int v) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) v);
        return k;
    }

    /** An initiation of {@code n} bytes, mac1 for {@code to} and mac2 under {@code cookie} (null: none). */
    private static ByteBuffer initiation(int n, byte[] to, byte[] cookie) {
        ByteBuffer b = ByteBuffer.allocate(n);
        Wire.header(b, Wire.HANDSHAKE_INIT);
        b.position(n - 2 * Wire.MAC);
        Macs.append(Macs.mac1Key(to), b, 0);
        Macs.append(cookie, b, 0);
        return b.flip();
    }

    @Test
    void mac1IsMadeForOneResponderAndCoversEveryByteBeforeIt() {
        ByteBuffer init = initiation(Wire.INIT_MIN, RESPONDER, null);
        int mac1At = Wire.INIT_MIN - 2 * Wire.MAC;
        assertTrue(Macs.valid(Macs.mac1Key(RESPONDER), init, 0, mac1At));
        assertFalse(Macs.valid(Macs.mac1Key(OTHER), init, 0, mac1At), "another node's key");
        for (int i = 0; i < mac1At + Wire.MAC; i++) {
            ByteBuffer flipped = ByteBuffer.wrap(init.array().clone());
            flipped.put(i, (byte) (flipped.get(i) ^ 0x10));
            assertFalse(Macs.valid(Macs.mac1Key(RESPONDER), flipped, 0, mac1At), "byte " + i);
        }
        assertTrue(Macs.zero(init, mac1At + Wire.MAC), "no cookie: mac2 is zeros");
    }

    @Test
    void onlyTheInitiatorThatSentTheInitiationCanReadItsCookieAndItsMac2ProvesTheAddress() {
        byte[] secret = key(1);
        InetSocketAddress source = new InetSocketAddress("192.0.2.1", 4000);
        ByteBuffer init = initiation(Wire.INIT_MIN, RESPONDER, null);
        byte[] mac1 = Arrays.copyOfRange(init.array(), Wire.INIT_MIN - 2 * Wire.MAC, Wire.INIT_MIN - Wire.MAC);
        byte[] cookie = Macs.cookie(secret, source);
        ByteBuffer reply = assertDoesNotThrow(() -> Macs.reply(sealer, Macs.cookieKey(RESPONDER), 42, mac1, cookie, random));
        assertEquals(Wire.COOKIE_REPLY, Wire.classify(reply));
        assertTrue(reply.remaining() < Wire.INIT_MIN, "no larger than the initiation it answers");
        assertEquals(42, Wire.index(reply, Wire.HEADER));
        assertArrayEquals(cookie, Macs.openReply(Macs.cookieKey(RESPONDER), reply, mac1));
        assertNull(Macs.openReply(Macs.cookieKey(OTHER), reply, mac1), "sealed under the responder's key");
        byte[] otherMac1 = mac1.clone();
        otherMac1[0] ^= 1;
        assertNull(Macs.openReply(Macs.cookieKey(RESPONDER), reply, otherMac1), "sealed to that initiation");

        ByteBuffer again = initiation(Wire.INIT_MIN, RESPONDER, cookie);
        int mac2At = Wire.INIT_MIN - Wire.MAC;
        assertTrue(Macs.valid(Macs.cookie(secret, source), again, 0, mac2At));
        assertFalse(Macs.valid(Macs.cookie(secret, new InetSocketAddress("192.0.2.2", 4000)), again, 0, mac2At),
                "another source's cookie");
        assertFalse(Macs.valid(Macs.cookie(secret, new InetSocketAddress("192.0.2.1", 4001)), again, 0, mac2At),
                "another port's");
        assertFalse(Macs.valid(Macs.cookie(key(2), source), again, 0, mac2At), "another secret's");
    }

    private static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aTamperedCookieReplyDoesNotOpen() throws Exception {
        byte[] mac1 = new byte[Wire.MAC];
        ByteBuffer reply = Macs.reply(sealer, Macs.cookieKey(RESPONDER), 1, mac1, new byte[Macs.COOKIE], random);
        for (int i = Wire.HEADER + Wire.INDEX; i < Macs.COOKIE_REPLY; i++) {
            ByteBuffer t = ByteBuffer.wrap(Arrays.copyOf(reply.array(), Macs.COOKIE_REPLY));
            t.put(i, (byte) (t.get(i) ^ 1));
            assertNull(Macs.openReply(Macs.cookieKey(RESPONDER), t, mac1), "byte " + i);
        }
        assertNotNull(Macs.openReply(Macs.cookieKey(RESPONDER), reply, mac1));
    }

    @FuzzTest(maxDuration = "10m")
    void cookieRepliesNeverThrowAndNeverOpenUnsealed(byte[] input) {
        ByteBuffer b = ByteBuffer.wrap(input);
        if (Wire.classify(b) == Wire.COOKIE_REPLY && Macs.openReply(Macs.cookieKey(RESPONDER), b, new byte[Wire.MAC]) != null) {
            throw new AssertionError("opened a reply nobody sealed");
        }
    }
}
