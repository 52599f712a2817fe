package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The flooded frames (broadcast, multicast: ARP, ND, DHCP) of the last moments, for a peer found
 * just after: the kernel's first ARP request beats discovery, and the peer gets it as if it had
 * been there. Thread-safe.
 */
final class FloodReplay {

    /** How long a flooded frame waits for peers not known yet. */
    static final long KEEP_NANOS = 2_000_000_000L;
    private static final int FRAMES = 16;

    private record Flood(long at, byte[] frame) {
    }

    private final ArrayDeque<Flood> recent = new ArrayDeque<>(); // guarded by this

    /** Keeps a copy of {@code frame} from {@code from} to {@code to}, read at {@code now}. */
    synchronized void remember(ByteBuffer frame, int from, int to, long now) {
        byte[] copy = new byte[to - from];
        frame.get(from, copy);
        if (recent.size() >= FRAMES) {
            recent.poll();
        }
        recent.add(new Flood(now, copy));
    }

    /** Queues the recent floods for a peer just found (not connected yet: they wait for its handshake). */
    synchronized void replayTo(Peer p, long now) {
        for (Flood f : recent) {
            if (now - f.at() < KEEP_NANOS) {
                p.send.hold(java.nio.ByteBuffer.wrap(f.frame()), 0, f.frame().length);
            }
        }
    }
}
