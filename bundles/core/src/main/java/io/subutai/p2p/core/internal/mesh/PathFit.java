package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.TapDevice;

/**
 * {@code -pmtu}: frames fitted to the path each peer is reached by, so that hosts behind the TAP
 * send packets that cross in one datagram ({@link Peer#maxDatagram}) rather than in fragments
 * (docs/operations.md "PMTU"). TCP SYN and SYN-ACK have their MSS clamped in both directions; an
 * unfragmentable packet too big for the path (IPv4 with DF, IPv6) is dropped and answered with
 * ICMP "too big" through the TAP, at most {@link #ANSWERS_PER_SECOND} a second. Off until the
 * daemon says; the TAP thread (or the socket's, holding the TAP) and the receive thread use it.
 */
final class PathFit {

    static final int ANSWERS_PER_SECOND = 3;
    private static final long GAP_NANOS = 1_000_000_000L / ANSWERS_PER_SECOND;

    private final TapDevice tap;
    private final MeshCounters counters;
    private volatile boolean on;
    // the sending side's (under the Outbound's txLock)
    private final FrameBatch answer = new FrameBatch(1, Offload.HEADER + 14 + TooBig.IPV6_MIN_MTU + 64, true);
    private long lastAnswer = Long.MIN_VALUE / 2;

    PathFit(TapDevice tap, MeshCounters counters) {
        this.tap = tap;
        this.counters = counters;
    }

    void on(boolean pmtu) {
        on = pmtu;
    }

    boolean on() {
        return on;
    }

    /** The largest IP packet that crosses to {@code p} in one datagram. */
    static int maxIp(Peer p) {
        return p.maxDatagram - Wire.DATA_MIN - 14;
    }

    /**
     * A frame from the TAP to {@code p}, at {@code from} (its offload header first when {@code
     * offload}) to {@code to}: its SYN clamped; true when it was too big to go and was answered
     * (it is dropped). Caller holds p (and the TAP's side).
     */
    boolean tooBigLocked(Peer p, ByteBuffer frame, int from, int to, boolean offload, long now) {
        if (!on) {
            return false;
        }
        departing(p, frame, from, to, offload);
        int eth = offload ? from + Offload.HEADER : from;
        int maxIp = maxIp(p);
        if (offload && frame.get(from + 1) != Offload.GSO_NONE) {
            return false; // a TCP super-frame: cut into segments of the clamped MSS at the other end
        }
        int length = TooBig.unfragmentable(frame, eth, to);
        if (length <= maxIp) {
            return false;
        }
        counters.tooBig.incrementAndGet();
        if (now - lastAnswer >= GAP_NANOS) {
            lastAnswer = now;
            answer.clear();
            ByteBuffer b = answer.claim();
            int at = tap.offload() ? Offload.HEADER : 0;
            for (int i = 0; i < at; i++) {
                b.put(i, (byte) 0); // a plain frame: a header of zeros
            }
            b.position(at);
            int n = TooBig.answer(frame, eth, to, maxIp, b);
            if (n > 0) {
                answer.commit(0, at + n);
                try {
                    tap.write(answer);
                } catch (IOException e) {
                    counters.tapErrors.incrementAndGet();
                }
            }
        }
        return true;
    }

    /**
     * A frame from the TAP to {@code p} that waited for its handshake, as {@link #tooBigLocked}
     * has it: its SYN clamped (one too big goes in the mesh's fragments: no answer from here, which
     * is the TAP side's). Caller holds p.
     */
    void departing(Peer p, ByteBuffer frame, int from, int to, boolean offload) {
        if (on) {
            int eth = offload ? from + Offload.HEADER : from;
            TooBig.clampMss(frame, eth, to, maxIp(p), offload && (frame.get(from) & Offload.NEEDS_CSUM) != 0);
        }
    }

    /** A frame from {@code p} on its way to the TAP, its Ethernet header at {@code eth}: its SYN clamped. The receive thread's. */
    void arriving(Peer p, ByteBuffer frame, int eth, int to, boolean partial) {
        if (on) {
            TooBig.clampMss(frame, eth, to, maxIp(p), partial);
        }
    }
}
