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

    final ByteBuffer plain = ByteBuffer.allocateDirect(Wire.MAX_DATAGRAM);
    final ByteBuffer packet = ByteBuffer.allocateDirect(Wire.MAX_DATAGRAM + 64);
    /** Frames sent while the handshake runs, sent when it completes (as the kernel's first ARP). */
    final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
    int nextFrameId;

    /** Sealed datagrams to {@link #batchTo}, back to back, each {@link #segment} bytes but the last; made at first use. */
    private ByteBuffer batch;
    InetSocketAddress batchTo;
    int segment;
    /** The last datagram of the batch is shorter than a segment: nothing more may follow it. */
    boolean closed;
    /** The batch holds datagrams the TAP thread has not flushed yet (set and cleared by it, under the lock). */
    boolean touched;

    ByteBuffer batch() {
        if (batch == null) {
            batch = ByteBuffer.allocateDirect(BATCH_BYTES);
        }
        return batch;
    }

    boolean batching() {
        return batch != null && batch.position() > 0;
    }

    /** Keeps a copy of {@code frame}'s bytes from {@code from} to {@code to} until the handshake completes. */
    void hold(ByteBuffer frame, int from, int to) {
        if (waiting.size() >= WAITING_FRAMES) {
            waiting.poll();
        }
        byte[] copy = new byte[to - from];
        frame.get(from, copy);
        waiting.add(copy);
    }
}
