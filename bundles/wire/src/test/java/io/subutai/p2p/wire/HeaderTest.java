package io.subutai.p2p.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.lan.Beacon;
import io.subutai.p2p.wire.relay.RelayMessage;

/** The 4-byte header of docs/protocol.md §2 and the table of §3. */
class HeaderTest {

    @Test
    void theHeaderIsVersionTypeAndTwoZeroBytes() {
        ByteBuffer b = ByteBuffer.allocate(10).position(3);
        Header.write(b, MessageType.DATA);
        assertEquals(3 + Header.SIZE, b.position(), "moved past the header");
        assertArrayEquals(new byte[] {0, 0, 0, 4, 4, 0, 0, 0, 0, 0}, b.array());
        b.position(3);
        assertEquals(MessageType.DATA, Header.type(b));
        assertEquals(3, b.position(), "type() does not move the buffer");
        assertTrue(Header.skip(b, MessageType.DATA));
        assertEquals(3 + Header.SIZE, b.position(), "skip() moves past it");
    }

    @Test
    void anythingButAVersionFourHeaderHasNoType() {
        assertEquals(Header.NONE, Header.type(ByteBuffer.wrap(new byte[] {4, 4, 0})), "three bytes");
        assertEquals(Header.NONE, Header.type(ByteBuffer.wrap(new byte[] {2, 4, 0, 0})), "version 2, before stretched secrets");
        assertEquals(Header.NONE, Header.type(ByteBuffer.wrap(new byte[] {3, 4, 0, 0})), "version 3, before streams");
        assertEquals(Header.NONE, Header.type(ByteBuffer.wrap(new byte[] {4, 4, 1, 0})), "a reserved bit");
        assertEquals(Header.NONE, Header.type(ByteBuffer.wrap(new byte[] {4, 4, 0, 1})), "a reserved bit");
        assertEquals(200, Header.type(ByteBuffer.wrap(new byte[] {4, (byte) 200, 0, 0})), "types are unsigned");
        ByteBuffer other = ByteBuffer.wrap(new byte[] {4, 5, 0, 0});
        assertFalse(Header.skip(other, MessageType.DATA));
        assertEquals(0, other.position(), "a header of another type is not skipped");
    }

    @Test
    void oneTableOfTypesThatTheCodecsUse() {
        assertEquals(MessageType.LAN_BEACON, Beacon.TYPE);
        assertEquals(MessageType.BOOTSTRAP, DhtMessage.TYPE);
        assertEquals(MessageType.RELAY, RelayMessage.TYPE);
        String[] names = {"HANDSHAKE_INIT", "HANDSHAKE_RESP", "COOKIE_REPLY", "DATA", "LAN_BEACON", "BOOTSTRAP", "PUNCH", "RELAY",
            "HANDSHAKE_REFUSED"};
        for (int t = 1; t <= names.length; t++) {
            assertEquals(names[t - 1], MessageType.name(t));
        }
        assertEquals("type 10", MessageType.name(10));
        assertEquals("type 0", MessageType.name(0));
        assertEquals("type -1", MessageType.name(-1));
    }

    @Test
    void aPunchIsTheHeaderAloneAndCannotBeChanged() {
        ByteBuffer punch = Punch.message();
        byte[] bytes = new byte[punch.remaining()];
        punch.duplicate().get(bytes);
        assertArrayEquals(new byte[] {4, 7, 0, 0}, bytes);
        assertThrows(ReadOnlyBufferException.class, () -> punch.put(0, (byte) 1));
    }

    @FuzzTest(maxDuration = "10m")
    void readingAHeaderNeverThrowsNorMovesTheBuffer(byte[] input) {
        ByteBuffer b = ByteBuffer.wrap(input);
        int t = Header.type(b);
        if (b.position() != 0 || t != Header.NONE && (input.length < Header.SIZE || input[0] != Header.VERSION || t != (input[1] & 0xff))) {
            throw new AssertionError("type " + t + " of " + java.util.Arrays.toString(input));
        }
    }
}
