package io.subutai.p2p.core.internal.mesh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A peer's sending side, guarded by the peer's lock (the TAP thread, the receive thread and the
 * control loop all seal for it): a scratch buffer for inner messages, one for a sealed datagram,
 * the batch of sealed datagrams that leaves in one system call, and the frames that wait for a
 * handshake.
 */
final class PeerSend {

    /** Frames kept per peer while its handshake runs. */
    static final int WAITING_FRAMES = 32;
    /** Room for a batch: as many full datagrams as one GSO call may carry. */
    static final int BATCH_BYTES = 64 * Wire.MAX_DATAGRAM;

    /** The most bytes of frames kept per peer while its handshake runs. */
    static final int WAITING_BYTES = 32 * 1024;

    /** Made as the peer connects ({@link #prepare}) or at first use: a peer that never gets a session (one discovery named, that never answers) costs no buffers. */
    private ByteBuffer plain;
    private ByteBuffer packet;
    /** Frames sent while the handshake runs, sent when it completes (as the kernel's first ARP). */
    final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
    private int waitingBytes;
    int nextFrameId;

    /** The scratch buffer for an inner message. */
    ByteBuffer plain() {
        if (plain == null) {
            plain = ByteBuffer.allocateDirect(Wire.MAX_DATAGRAM);
        }
        return plain;
    }

    /** The scratch buffer for a sealed datagram. */
    ByteBuffer packet() {
        if (packet == null) {
            packet = ByteBuffer.allocateDirect(Wire.MAX_DATAGRAM + 64);
        }
        return packet;
    }

    /** Sealed datagrams to {@link #batchTo}, back to back, each {@link #segment} bytes but the last; made at first use. */
    private ByteBuffer batch;
    InetSocketAddress batchTo;
    int segment;
    /** The last datagram of the batch is shorter than a segment: nothing more may follow it. */
    boolean closed;
    /** The batch holds datagrams the TAP thread has not flushed yet (set and cleared by it, under the lock). */
    boolean touched;

    /**
     * Makes the buffers now, as the peer connects, rather than at its first frame: the data path's
     * compiled code then never meets a peer without them (a branch it never saw taken, which sent
     * it back to the interpreter at each network's first peer).
     */
    void prepare() {
        plain();
        packet();
        batch();
    }

    ByteBuffer batch() {
        if (batch == null) {
            batch = ByteBuffer.allocateDirect(BATCH_BYTES);
        }
        return batch;
    }

    boolean batching() {
        return batch != null && batch.position() > 0;
    }

    /**
     * Keeps a copy of {@code frame}'s bytes from {@code from} to {@code to} until the handshake
     * completes: the newest {@link #WAITING_FRAMES} frames, {@link #WAITING_BYTES} at most.
     */
    void hold(ByteBuffer frame, int from, int to) {
        if (to - from > WAITING_BYTES) {
            return;
        }
        while (!waiting.isEmpty() && (waiting.size() >= WAITING_FRAMES || waitingBytes + to - from > WAITING_BYTES)) {
            waitingBytes -= waiting.poll().length;
        }
        byte[] copy = new byte[to - from];
        frame.get(from, copy);
        waiting.add(copy);
        waitingBytes += copy.length;
    }

    /** The oldest frame waiting for the handshake, taken off the queue; null when none waits. */
    byte[] nextWaiting() {
        byte[] f = waiting.poll();
        if (f != null) {
            waitingBytes -= f.length;
        }
        return f;
    }
}
