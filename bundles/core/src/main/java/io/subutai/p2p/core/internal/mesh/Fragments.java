package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

import io.subutai.p2p.spi.TapDevice;

/**
 * A frame too large for one datagram crosses as fragments, each sealed on its own (docs/protocol.md
 * §5.1): inner type {@link Wire#INNER_FRAGMENT}, flags, frame id (2 bytes), offset (3), total
 * length (3), then the bytes. {@link #write} makes one; a {@link Reassembler} puts them together.
 */
final class Fragments {

    /** A fragment's inner header: inner type, flags, frame id (2), offset (3), total length (3). */
    static final int HEADER = 10;
    /** Flag: the frame starts with the sender TAP's offload header. */
    static final int FLAG_OFFLOAD = 1;

    private Fragments() {
    }

    /** Bytes of frame per fragment, in a datagram of at most {@code maxDatagram} whose sealing adds {@code overhead}. */
    static int room(int maxDatagram, int overhead) {
        return maxDatagram - overhead - HEADER;
    }

    /**
     * Writes into {@code plain} (cleared, then flipped) fragment {@code off} of frame {@code id}:
     * {@code n} bytes of {@code frame} from {@code from + off}, of {@code total} in all.
     */
    static void write(ByteBuffer plain, int id, boolean offload, int off, int total, ByteBuffer frame, int from, int n) {
        plain.clear();
        plain.put((byte) Wire.INNER_FRAGMENT).put((byte) (offload ? FLAG_OFFLOAD : 0)).putShort((short) id);
        putU24(plain, off);
        putU24(plain, total);
        plain.put(HEADER, frame, from + off, n).position(HEADER + n).flip();
    }

    private static void putU24(ByteBuffer b, int v) {
        b.put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
    }

    private static int u24(ByteBuffer b, int at) {
        return (b.get(at) & 255) << 16 | (b.get(at + 1) & 255) << 8 | (b.get(at + 2) & 255);
    }

    /**
     * One peer's frames being put together: two at a time (a frame's fragments may interleave with
     * the next one's when the path reorders); a third gives up the older one. Fragments never come
     * twice (the replay window sees to that), so counting bytes tells when a frame is whole. The
     * receive thread's alone.
     */
    static final class Reassembler {

        /** {@link #offer}: not a fragment to take. */
        static final int MALFORMED = -1;
        /** {@link #offer}: kept; the frame is not whole yet. */
        static final int KEPT = 0;
        /** {@link #offer}: a whole frame lies in the buffer from {@link #from()} to {@link #to()}. */
        static final int WHOLE = 1;

        private static final class Slot {
            ByteBuffer buffer;
            int id = -1;
            int total;
            int received;
            boolean offload;
        }

        private final Slot[] slots = {new Slot(), new Slot()};
        private int victim;
        private int from;
        private int to;
        private boolean offload;
        private boolean gaveUp;

        /**
         * Takes the fragment in {@code b} from {@code at} (its inner type) to {@code end}. When it
         * completes a frame, the frame is in {@code b} from {@link #from()} to {@link #to()}: in
         * place when it came in one fragment, else copied to {@code at} onwards ({@code b} must have
         * room for {@link TapDevice#MAX_FRAME} bytes there).
         *
         * @return {@link #WHOLE}, {@link #KEPT} or {@link #MALFORMED}
         */
        int offer(ByteBuffer b, int at, int end) {
            gaveUp = false;
            int start = at + HEADER;
            if (end <= start) {
                return MALFORMED;
            }
            int flags = b.get(at + 1) & 255;
            int id = b.getShort(at + 2) & 0xffff;
            int off = u24(b, at + 4);
            int total = u24(b, at + 7);
            int n = end - start;
            boolean isOffload = (flags & FLAG_OFFLOAD) != 0;
            if ((flags & ~FLAG_OFFLOAD) != 0 || total > TapDevice.MAX_FRAME || off + n > total) {
                return MALFORMED;
            }
            if (off == 0 && n == total) {
                return whole(start, end, isOffload);
            }
            Slot s = slot(id, total, isOffload);
            s.buffer.put(off, b, start, n);
            s.received += n;
            if (s.received < total) {
                return KEPT;
            }
            s.id = -1;
            b.put(at, s.buffer, 0, total);
            return whole(at, at + total, s.offload);
        }

        private int whole(int from, int to, boolean offload) {
            this.from = from;
            this.to = to;
            this.offload = offload;
            return WHOLE;
        }

        /** The frame {@code id} being put together, or room for it (giving up the older of two unfinished ones). */
        private Slot slot(int id, int total, boolean offload) {
            for (Slot s : slots) {
                if (s.id == id && s.total == total && s.offload == offload) {
                    return s;
                }
            }
            int i = slots[0].id < 0 ? 0 : slots[1].id < 0 ? 1 : -1;
            if (i < 0) {
                i = victim;
                victim = (i + 1) % slots.length;
                gaveUp = true;
            }
            Slot s = slots[i];
            if (s.buffer == null) {
                s.buffer = ByteBuffer.allocateDirect(TapDevice.MAX_FRAME);
            }
            s.id = id;
            s.total = total;
            s.received = 0;
            s.offload = offload;
            return s;
        }

        /** Where the whole frame starts, after {@link #WHOLE}. */
        int from() {
            return from;
        }

        /** Where it ends. */
        int to() {
            return to;
        }

        /** Whether it starts with the sender TAP's offload header. */
        boolean offload() {
            return offload;
        }

        /** Whether the last {@link #offer} gave up an unfinished frame to make room. */
        boolean gaveUp() {
            return gaveUp;
        }
    }
}
