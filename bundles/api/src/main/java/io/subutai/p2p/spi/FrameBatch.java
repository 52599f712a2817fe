package io.subutai.p2p.spi;

import java.nio.ByteBuffer;

/**
 * A reusable batch of Ethernet frames in buffers made once, so the data path allocates nothing
 * per frame. A producer {@link #claim() claims} the next free buffer, fills it from position 0 and
 * {@link #commit() commits} it; a consumer reads {@link #frame(int)} for each of the {@link #count()}
 * frames. A batch may keep {@link #headroom() headroom} in front of every buffer, which a consumer
 * may write into (to put a header before a frame without copying it: {@link #withHeadroom}).
 * Not thread-safe: a batch belongs to one thread at a time.
 */
public final class FrameBatch {

    private final ByteBuffer[] backing;
    private final ByteBuffer[] frames;
    private final int headroom;
    private int count;

    /**
     * @param capacity  how many frames fit
     * @param frameSize the largest frame, in bytes
     * @param direct    whether the buffers are direct (for native I/O)
     */
    public FrameBatch(int capacity, int frameSize, boolean direct) {
        this(capacity, frameSize, direct, 0);
    }

    /**
     * @param headroom bytes kept in front of every frame's buffer, outside it (a producer never sees them)
     */
    public FrameBatch(int capacity, int frameSize, boolean direct, int headroom) {
        if (capacity < 1 || frameSize < 1 || headroom < 0) {
            throw new IllegalArgumentException("capacity and frameSize must be positive, headroom not negative");
        }
        this.headroom = headroom;
        backing = new ByteBuffer[capacity];
        frames = new ByteBuffer[capacity];
        for (int i = 0; i < capacity; i++) {
            backing[i] = direct ? ByteBuffer.allocateDirect(headroom + frameSize) : ByteBuffer.allocate(headroom + frameSize);
            frames[i] = backing[i].slice(headroom, frameSize);
        }
    }

    public int capacity() {
        return frames.length;
    }

    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == frames.length;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Bytes in front of every frame's buffer that a consumer may write (see {@link #withHeadroom}). */
    public int headroom() {
        return headroom;
    }

    /** The {@code i}-th frame: its bytes lie between the position (0 unless committed otherwise) and the limit. */
    public ByteBuffer frame(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("frame " + i + " of " + count);
        }
        return frames[i];
    }

    /**
     * The {@code i}-th frame in the buffer that also holds its headroom: the frame's bytes lie
     * between its position and limit (as {@link #frame}'s, shifted by {@link #headroom()}), and the
     * {@code headroom()} bytes before the position may be overwritten. Valid until the next claim
     * of that buffer; the frame's own buffer is not moved.
     */
    public ByteBuffer withHeadroom(int i) {
        ByteBuffer f = frame(i);
        return backing[i].limit(headroom + f.limit()).position(headroom + f.position());
    }

    /** The next free buffer, cleared; fill it from position 0, then call {@link #commit()}. */
    public ByteBuffer claim() {
        if (isFull()) {
            throw new IllegalStateException("batch is full");
        }
        return frames[count].clear();
    }

    /** Counts the claimed buffer as a frame of the bytes written into it. */
    public void commit() {
        frames[count].flip();
        count++;
    }

    /**
     * Counts the bytes from {@code from} to {@code to} of the claimed buffer as a frame, for a
     * producer that left room in front of the frame (for a header it may or may not add).
     */
    public void commit(int from, int to) {
        frames[count].limit(to).position(from);
        count++;
    }

    /** Empties the batch for reuse. */
    public void clear() {
        count = 0;
    }
}
