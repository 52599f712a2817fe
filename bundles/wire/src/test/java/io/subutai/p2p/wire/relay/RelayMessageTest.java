package io.subutai.p2p.wire.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

class RelayMessageTest {

    private static byte[] bytes(RelayMessage m) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
        m.encode(b);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void bothMessagesRoundTripAndNothingElseDecodes() {
        byte[] id = new byte[16];
        byte[] key = new byte[32];
        key[5] = 9;
        byte[] allocate = bytes(RelayMessage.allocate(id, key));
        assertEquals(RelayMessage.ALLOCATE_SIZE, allocate.length);
        assertArrayEquals(key, RelayMessage.decode(ByteBuffer.wrap(allocate)).staticKey());
        byte[] allocated = bytes(new RelayMessage(RelayMessage.OP_ALLOCATED, id, key, 40000, 30));
        RelayMessage m = RelayMessage.decode(ByteBuffer.wrap(allocated));
        assertEquals(40000, m.handle());
        assertEquals(30, m.lifetime());
        assertNull(RelayMessage.decode(ByteBuffer.wrap(java.util.Arrays.copyOf(allocate, allocate.length + 1))), "too long");
        assertNull(RelayMessage.decode(ByteBuffer.wrap(java.util.Arrays.copyOf(allocated, allocated.length - 1))), "too short");
        byte[] zeroPort = bytes(new RelayMessage(RelayMessage.OP_ALLOCATED, id, key, 0, 30));
        assertNull(RelayMessage.decode(ByteBuffer.wrap(zeroPort)), "handle 0");
        ByteBuffer send = ByteBuffer.allocate(RelayMessage.ENVELOPE + 3);
        RelayMessage.envelope(send, RelayMessage.OP_SEND, 513);
        send.put(new byte[] {7, 8, 9}).flip();
        assertEquals(RelayMessage.OP_SEND, RelayMessage.op(send));
        assertEquals(513, RelayMessage.handle(send));
        assertEquals(0, RelayMessage.handle(ByteBuffer.wrap(new byte[RelayMessage.ENVELOPE])), "an envelope with nothing in it");
        assertEquals(-1, RelayMessage.op(ByteBuffer.wrap(new byte[] {1, 8, 0})), "too short for a header");
        byte[] op = allocate.clone();
        op[4] = 3;
        assertNull(RelayMessage.decode(ByteBuffer.wrap(op)), "unknown operation");
    }

    @FuzzTest(maxDuration = "10m")
    void decodingNeverThrowsAndWhatItAcceptsEncodesBackTheSame(byte[] input) {
        RelayMessage.op(ByteBuffer.wrap(input));
        RelayMessage.handle(ByteBuffer.wrap(input));
        RelayMessage m = RelayMessage.decode(ByteBuffer.wrap(input));
        if (m != null && !java.util.Arrays.equals(bytes(m), input)) {
            throw new AssertionError("accepted bytes that are not the message they decode to");
        }
    }
}
