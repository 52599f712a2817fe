package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.spi.TapDevice;

/** Frames cut into fragments and put together again, as the receive thread sees them: lost, reordered, interleaved. */
class FragmentsTest {

    private static final int OVERHEAD = Wire.HEADER + Wire.INDEX + 24;
    /** Room in the receive buffer in front of the plaintext, as the engine leaves it. */
    private static final int AT = 16;

    private final Fragments.Reassembler r = new Fragments.Reassembler();
    private final ByteBuffer in = ByteBuffer.allocateDirect(AT + TapDevice.MAX_FRAME + 64);

    private static byte[] frame(int size, int seed) {
        byte[] f = new byte[size];
        new Random(seed).nextBytes(f);
        return f;
    }

    /** The plaintexts of a frame's fragments, in order. */
    private static List<byte[]> split(byte[] frame, int id, boolean offload) {
        List<byte[]> out = new ArrayList<>();
        int room = Fragments.room(Wire.MAX_DATAGRAM, OVERHEAD);
        ByteBuffer plain = ByteBuffer.allocate(Wire.MAX_DATAGRAM);
        for (int off = 0; off < frame.length; off += room) {
            Fragments.write(plain, id, offload, off, frame.length, ByteBuffer.wrap(frame), 0, Math.min(room, frame.length - off));
            byte[] b = new byte[plain.remaining()];
            plain.get(b);
            assertTrue(b.length + OVERHEAD <= Wire.MAX_DATAGRAM, "each fits a datagram");
            out.add(b);
        }
        return out;
    }

    /** Hands a fragment to the reassembler as the receive thread does: opened at AT of the buffer. */
    private int offer(byte[] fragment) {
        in.clear();
        in.put(AT, fragment);
        return r.offer(in, AT, AT + fragment.length);
    }

    private byte[] whole() {
        byte[] f = new byte[r.to() - r.from()];
        in.get(r.from(), f);
        return f;
    }

    @Test
    void aFrameCutInFragmentsIsWholeAgainWithItsLastFragment() {
        byte[] f = frame(9000, 1);
        List<byte[]> parts = split(f, 3, false);
        assertEquals(7, parts.size());
        for (int i = 0; i < parts.size() - 1; i++) {
            assertEquals(Fragments.Reassembler.KEPT, offer(parts.get(i)));
        }
        assertEquals(Fragments.Reassembler.WHOLE, offer(parts.get(parts.size() - 1)));
        assertArrayEquals(f, whole());
        assertFalse(r.offload());
    }

    @Test
    void aFrameInOneFragmentIsWholeWhereItLies() {
        byte[] f = frame(700, 2);
        List<byte[]> parts = split(f, 9, true);
        assertEquals(1, parts.size());
        assertEquals(Fragments.Reassembler.WHOLE, offer(parts.get(0)));
        assertEquals(AT + Fragments.HEADER, r.from(), "not copied");
        assertArrayEquals(f, whole());
        assertTrue(r.offload(), "the flag says the frame starts with the sender's offload header");
    }

    @Test
    void fragmentsInAnyOrderMakeTheFrame() {
        byte[] f = frame(TapDevice.MAX_FRAME - 100, 3);
        List<byte[]> parts = split(f, 65535, true);
        Collections.shuffle(parts, new Random(4));
        int result = 0;
        for (byte[] p : parts) {
            result = offer(p);
        }
        assertEquals(Fragments.Reassembler.WHOLE, result);
        assertArrayEquals(f, whole());
    }

    @Test
    void aFrameMissingAFragmentNeverComesOutAndIsGivenUpForNewerOnes() {
        byte[] lost = frame(5000, 5);
        List<byte[]> lostParts = split(lost, 1, false);
        lostParts.remove(2);
        for (byte[] p : lostParts) {
            assertEquals(Fragments.Reassembler.KEPT, offer(p), "never whole without its third fragment");
        }
        // two more frames: the second needs the room of the one that will never be whole
        byte[] a = frame(4000, 6);
        byte[] b = frame(4000, 7);
        List<byte[]> pa = split(a, 2, false);
        List<byte[]> pb = split(b, 3, false);
        assertEquals(Fragments.Reassembler.KEPT, offer(pa.get(0)));
        assertFalse(r.gaveUp(), "two frames fit");
        assertEquals(Fragments.Reassembler.KEPT, offer(pb.get(0)));
        assertTrue(r.gaveUp(), "the third gave up the oldest");
        for (int i = 1; i < pa.size(); i++) {
            int result = offer(pa.get(i));
            if (i == pa.size() - 1) {
                assertEquals(Fragments.Reassembler.WHOLE, result);
                assertArrayEquals(a, whole());
            }
        }
        for (int i = 1; i < pb.size(); i++) {
            offer(pb.get(i));
        }
        assertArrayEquals(b, whole());
    }

    @Test
    void twoFramesInterleavedBothComeOutWhole() {
        byte[] a = frame(12000, 8);
        byte[] b = frame(7000, 9);
        List<byte[]> pa = split(a, 100, false);
        List<byte[]> pb = split(b, 101, false);
        List<byte[]> done = new ArrayList<>();
        for (int i = 0; i < Math.max(pa.size(), pb.size()); i++) {
            for (List<byte[]> parts : List.of(pa, pb)) {
                if (i < parts.size() && offer(parts.get(i)) == Fragments.Reassembler.WHOLE) {
                    done.add(whole());
                }
            }
        }
        assertEquals(2, done.size());
        assertArrayEquals(b, done.get(0), "the shorter one first");
        assertArrayEquals(a, done.get(1));
        assertFalse(r.gaveUp());
    }

    @Test
    void fragmentsThatCannotBeArePartOfNoFrame() {
        byte[] good = split(frame(3000, 10), 5, false).get(0);
        byte[] unknownFlag = good.clone();
        unknownFlag[1] = 2;
        byte[] pastTheEnd = good.clone();
        pastTheEnd[7] = 0;
        pastTheEnd[8] = 0;
        pastTheEnd[9] = 10; // total 10 bytes, but it carries more
        byte[] tooLarge = good.clone();
        tooLarge[7] = (byte) 0xff; // total over MAX_FRAME
        byte[] headerOnly = java.util.Arrays.copyOf(good, Fragments.HEADER);
        for (byte[] bad : List.of(unknownFlag, pastTheEnd, tooLarge, headerOnly)) {
            assertEquals(Fragments.Reassembler.MALFORMED, offer(bad));
        }
    }
}
