package io.subutai.p2p.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class FrameBatchTest {

    @Test
    void aFrameIsWrittenFromPositionZeroAndItsHeadroomLiesBeforeIt() {
        FrameBatch b = new FrameBatch(2, 100, true, 3);
        ByteBuffer first = b.claim();
        assertEquals(0, first.position());
        assertEquals(100, first.capacity(), "the producer sees the frame's room only");
        first.put(new byte[] {10, 11, 12});
        b.commit();
        ByteBuffer room = b.withHeadroom(0);
        assertEquals(3, room.position(), "the frame starts after the headroom");
        assertEquals(6, room.limit());
        room.put(room.position() - 1, (byte) 99); // a header in front, without moving the frame
        assertEquals(99, room.get(2));
        assertEquals(10, room.get(3));
        assertEquals(0, b.frame(0).position(), "the frame's own buffer did not move");
        assertEquals(10, b.frame(0).get(0));
    }

    @Test
    void framesCommittedWithRoomInFrontKeepItInTheHeadroomView() {
        FrameBatch b = new FrameBatch(1, 64, false, 1);
        ByteBuffer f = b.claim();
        f.put(5, (byte) 7);
        b.commit(5, 20);
        ByteBuffer room = b.withHeadroom(0);
        assertEquals(6, room.position());
        assertEquals(21, room.limit());
        assertEquals(7, room.get(6));
    }

    @Test
    void aFullBatchRefusesAnotherClaimAndClearingEmptiesIt() {
        FrameBatch b = new FrameBatch(1, 10, false);
        b.claim();
        b.commit();
        assertEquals(0, b.headroom());
        assertThrows(IllegalStateException.class, b::claim);
        b.clear();
        assertEquals(0, b.count());
        assertThrows(IllegalArgumentException.class, () -> new FrameBatch(1, 10, false, -1));
    }
}
