package io.subutai.p2p.wire;

import java.nio.ByteBuffer;

/**
 * The 4-byte header every packet starts with (docs/protocol.md §2):
 * {@code version (1) | type (1) | reserved (2, zero)}. Writing and checking it allocate nothing.
 */
public final class Header {

    /** The protocol version this code speaks; a packet of another version is dropped. */
    public static final int VERSION = 4;
    /** Bytes in the header. */
    public static final int SIZE = 4;
    /** What {@link #type} returns for bytes that do not start with a version-1 header. */
    public static final int NONE = -1;

    private Header() {
    }

    /** Writes the header of a {@code type} message (a {@link MessageType}) at the buffer's position, and moves it on. */
    public static void write(ByteBuffer out, int type) {
        out.put((byte) VERSION).put((byte) type).put((byte) 0).put((byte) 0);
    }

    /**
     * The message type (0 to 255) of the header at {@code in}'s position, or {@link #NONE} when
     * fewer than {@link #SIZE} bytes remain, the version is not {@link #VERSION} or a reserved byte
     * is set. Reads absolute positions: the buffer is not moved.
     */
    public static int type(ByteBuffer in) {
        int p = in.position();
        if (in.limit() - p < SIZE || in.get(p) != VERSION || in.get(p + 2) != 0 || in.get(p + 3) != 0) {
            return NONE;
        }
        return in.get(p + 1) & 0xff;
    }

    /**
     * Whether {@code in} starts with the header of a {@code type} message; if so, moves past it.
     * Codecs call this first, then read their fields.
     */
    public static boolean skip(ByteBuffer in, int type) {
        if (type(in) != type) {
            return false;
        }
        in.position(in.position() + SIZE);
        return true;
    }
}
