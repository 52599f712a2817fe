package io.subutai.p2p.wire.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

class RelayMessageTest {

    private static final byte[] ID = new byte[16];
    private static final byte[] KEY = new byte[32];
    private static final byte[] TOKEN = new byte[RelayMessage.TOKEN];

    static {
        KEY[5] = 9;
        TOKEN[0] = 7;
    }

    private static byte[] bytes(RelayMessage m) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
        m.encode(b);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static RelayMessage decode(byte[] b) {
        return RelayMessage.decode(ByteBuffer.wrap(b));
    }

    @Test
    void everyControlMessageRoundTripsAtItsSize() {
        byte[] allocate = bytes(RelayMessage.allocate(ID, KEY, TOKEN));
        assertEquals(RelayMessage.ALLOCATE_SIZE, allocate.length);
        assertArrayEquals(KEY, decode(allocate).staticKey());
        assertArrayEquals(TOKEN, decode(allocate).token(), "the cookie it echoes");

        RelayMessage m = decode(bytes(RelayMessage.allocated(ID, KEY, 40000, 30, TOKEN)));
        assertEquals(40000, m.handle());
        assertEquals(30, m.lifetime());
        assertArrayEquals(TOKEN, m.token(), "the allocation's secret");

        byte[] cookie = bytes(RelayMessage.cookie(TOKEN));
        assertEquals(RelayMessage.COOKIE_SIZE, cookie.length);
        assertArrayEquals(TOKEN, decode(cookie).token());

        byte[] refresh = bytes(RelayMessage.proving(RelayMessage.OP_REFRESH, 513, TOKEN));
        assertEquals(RelayMessage.PROOF_SIZE, refresh.length);
        assertEquals(513, decode(refresh).handle());
        assertEquals(RelayMessage.OP_RELEASE, decode(bytes(RelayMessage.proving(RelayMessage.OP_RELEASE, 513, TOKEN))).op());
    }

    @Test
    void aCookieAnswersAnyRequestInFewerBytesThanTheRequest() {
        assertTrue(RelayMessage.COOKIE_SIZE <= RelayMessage.ALLOCATE_SIZE);
        assertTrue(RelayMessage.COOKIE_SIZE <= RelayMessage.PROOF_SIZE);
    }

    @Test
    void aProofIsBoundToTheSecretTheHandleAndTheOperation() {
        RelayMessage refresh = RelayMessage.proving(RelayMessage.OP_REFRESH, 513, TOKEN);
        assertTrue(decode(bytes(refresh)).proves(TOKEN));
        assertFalse(refresh.proves(new byte[RelayMessage.TOKEN]), "another secret");
        byte[] otherHandle = bytes(refresh);
        otherHandle[6] ^= 1;
        assertFalse(decode(otherHandle).proves(TOKEN), "another handle");
        byte[] asRelease = bytes(refresh);
        asRelease[4] = RelayMessage.OP_RELEASE;
        assertFalse(decode(asRelease).proves(TOKEN), "a refresh seen on the way is no release");
        assertFalse(RelayMessage.allocate(ID, KEY, refresh.token()).proves(TOKEN), "only REFRESH and RELEASE prove");
    }

    @Test
    void nothingElseDecodesNotEvenTheOldLayouts() {
        byte[] allocate = bytes(RelayMessage.allocate(ID, KEY, TOKEN));
        byte[] allocated = bytes(RelayMessage.allocated(ID, KEY, 40000, 30, TOKEN));
        assertNull(decode(Arrays.copyOf(allocate, allocate.length + 1)), "too long");
        assertNull(decode(Arrays.copyOf(allocated, allocated.length - 1)), "too short");
        assertNull(decode(Arrays.copyOf(allocate, 4 + 1 + 16 + 32)), "the ALLOCATE of before, without a cookie");
        assertNull(decode(bytes(RelayMessage.allocated(ID, KEY, 0, 30, TOKEN))), "handle 0");
        assertNull(decode(bytes(RelayMessage.proving(RelayMessage.OP_REFRESH, 0, TOKEN))), "handle 0");
        byte[] version2 = allocate.clone();
        version2[0] = 2;
        assertNull(decode(version2), "protocol version 2");
        byte[] op = allocate.clone();
        op[4] = 8;
        assertNull(decode(op), "unknown operation");
        op[4] = RelayMessage.OP_SEND;
        assertNull(decode(op), "SEND is an envelope, not a control message");

        ByteBuffer send = ByteBuffer.allocate(RelayMessage.ENVELOPE + 3);
        RelayMessage.envelope(send, RelayMessage.OP_SEND, 513);
        send.put(new byte[] {7, 8, 9}).flip();
        assertEquals(RelayMessage.OP_SEND, RelayMessage.op(send));
        assertEquals(513, RelayMessage.handle(send));
        assertEquals(0, RelayMessage.handle(ByteBuffer.wrap(new byte[RelayMessage.ENVELOPE])), "an envelope with nothing in it");
        assertEquals(-1, RelayMessage.op(ByteBuffer.wrap(new byte[] {3, 8, 0})), "too short for a header");
    }

    @FuzzTest(maxDuration = "10m")
    void decodingNeverThrowsAndWhatItAcceptsEncodesBackTheSame(byte[] input) {
        RelayMessage.op(ByteBuffer.wrap(input));
        RelayMessage.handle(ByteBuffer.wrap(input));
        RelayMessage m = RelayMessage.decode(ByteBuffer.wrap(input));
        if (m != null) {
            if (!Arrays.equals(bytes(m), input)) {
                throw new AssertionError("accepted bytes that are not the message they decode to");
            }
            m.proves(TOKEN);
        }
    }
}
