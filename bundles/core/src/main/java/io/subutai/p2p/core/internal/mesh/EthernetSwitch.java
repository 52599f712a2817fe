package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

/**
 * The L2 switch of a network instance, between its TAP interface and its peers. A full mesh
 * needs no forwarding between peers, so the rules are short:
 * <ul>
 * <li>a frame from a peer teaches "its source MAC is behind that peer" and goes to the TAP only;</li>
 * <li>a frame from the TAP goes to the peer its destination MAC is behind, or, for broadcast,
 * multicast and unknown destinations, to every connected peer (ARP, IPv6 ND, DHCP work);</li>
 * <li>a frame never goes back where it came from.</li>
 * </ul>
 * The MAC table has a fixed size and entries age out; no peer holds more than {@link #PER_PEER}
 * of it, so a member flooding it with made-up MACs evicts only its own entries (and, when the
 * table is full, the oldest of all). A MAC seen behind one member within {@link #AGE_NANOS}
 * is that member's: another member's frames from it are refused ({@link #TAKEN}), so no member
 * can take over another's MAC, and with it its traffic. Learning runs on receive threads, routing on the
 * TAP thread; the table's lock is held for a few array reads, no allocation.
 *
 * @param <P> the peer handle
 */
final class EthernetSwitch<P> {

    static final int CAPACITY = 4096;
    /** The most MACs one peer may have in the table. */
    static final int PER_PEER = CAPACITY / 4;
    /** How long a learned MAC stays without being seen again. */
    static final long AGE_NANOS = 300_000_000_000L;
    private static final int MIN_FRAME = 14;

    // guarded by this: an open-addressing table, MACs as 48-bit longs (0 = empty slot)
    private final long[] macs = new long[CAPACITY * 2];
    private final Object[] peers = new Object[CAPACITY * 2];
    private final long[] seen = new long[CAPACITY * 2];
    private final java.util.Map<Object, int[]> counts = new java.util.IdentityHashMap<>(); // peer -> MACs it holds
    private int size;

    /** What {@link #learn} found: the frame's source is the sender's (now); the frame is no frame; its source is another member's. */
    static final int LEARNED = 0;
    static final int MALFORMED = 1;
    static final int TAKEN = 2;

    /** This node's own MAC, which no peer sends from (0: none). */
    private final long own;

    EthernetSwitch() {
        this(0);
    }

    /** @param own this node's TAP's MAC, as {@link #mac} reads it: frames from it are another member's lie */
    EthernetSwitch(long own) {
        this.own = own;
    }

    /**
     * Learns from a frame a peer sent.
     *
     * @return {@link #LEARNED}; {@link #MALFORMED} when the frame is too short or its source is not
     *         a unicast MAC; {@link #TAKEN} when its source is another member's, or this node's
     *         own: drop it then
     */
    int learn(ByteBuffer frame, P from, long nowNanos) {
        int p = frame.position();
        if (frame.limit() - p < MIN_FRAME) {
            return MALFORMED;
        }
        long src = mac(frame, p + 6);
        if (src == 0 || (src & (1L << 40)) != 0) {
            return MALFORMED; // a zero or multicast source is never a real sender
        }
        if (src == own) {
            return TAKEN;
        }
        synchronized (this) {
            int slot = find(src);
            if (slot >= 0) {
                if (peers[slot] != from && nowNanos - seen[slot] <= AGE_NANOS) {
                    return TAKEN; // another member's, seen lately: never taken over
                }
                if (peers[slot] != from) { // a MAC silent for AGE_NANOS follows its new peer, within its quota
                    if (count(from, 0) >= PER_PEER) {
                        evictOldest(from);
                        slot = find(src); // removing re-seats entries
                    }
                    count(peers[slot], -1);
                    peers[slot] = from;
                    count(from, 1);
                }
                seen[slot] = nowNanos;
                return LEARNED;
            }
            if (count(from, 0) >= PER_PEER) {
                evictOldest(from);
            } else if (size >= CAPACITY) {
                evictOldest(null);
            }
            insert(src, from, nowNanos);
            count(from, 1);
        }
        return LEARNED;
    }

    /**
     * Where a frame from the TAP goes: the peer its destination is behind, or null to flood to
     * every connected peer (also for frames too short to hold an Ethernet header, which the caller drops).
     */
    @SuppressWarnings("unchecked")
    P route(ByteBuffer frame, long nowNanos) {
        int p = frame.position();
        if (frame.limit() - p < MIN_FRAME) {
            return null;
        }
        long dst = mac(frame, p);
        if ((dst & (1L << 40)) != 0) {
            return null; // broadcast and multicast
        }
        synchronized (this) {
            int slot = find(dst);
            if (slot < 0 || nowNanos - seen[slot] > AGE_NANOS) {
                return null;
            }
            return (P) peers[slot];
        }
    }

    /** Whether a frame is at least an Ethernet header. */
    static boolean isFrame(ByteBuffer frame) {
        return frame.limit() - frame.position() >= MIN_FRAME;
    }

    /** Forgets every MAC learned behind {@code peer} (it left). */
    synchronized void forget(P peer) {
        for (int i = 0; i < macs.length; i++) {
            while (macs[i] != 0 && peers[i] == peer) {
                remove(i); // re-seating may move another of the peer's entries into slot i
            }
        }
        counts.remove(peer);
    }

    /** How many MACs the table holds for {@code peer}. */
    synchronized int size(P peer) {
        int[] c = counts.get(peer);
        return c == null ? 0 : c[0];
    }

    synchronized int size() {
        return size;
    }

    private int find(long mac) {
        int mask = macs.length - 1;
        for (int i = hash(mac) & mask, n = 0; n < macs.length; i = (i + 1) & mask, n++) {
            if (macs[i] == mac) {
                return i;
            }
            if (macs[i] == 0) {
                return -1;
            }
        }
        return -1;
    }

    private void insert(long mac, Object peer, long now) {
        int mask = macs.length - 1;
        int i = hash(mac) & mask;
        while (macs[i] != 0) {
            i = (i + 1) & mask;
        }
        macs[i] = mac;
        peers[i] = peer;
        seen[i] = now;
        size++;
    }

    /** Adds {@code delta} to the MACs {@code peer} holds and returns the new count. */
    private int count(Object peer, int delta) {
        int[] c = counts.computeIfAbsent(peer, k -> new int[1]);
        c[0] += delta;
        if (c[0] <= 0) {
            counts.remove(peer);
            return 0;
        }
        return c[0];
    }

    /** Evicts the oldest entry of {@code peer}, or of all when it is null. */
    private void evictOldest(Object peer) {
        int oldest = -1;
        for (int i = 0; i < macs.length; i++) {
            if (macs[i] != 0 && (peer == null || peers[i] == peer) && (oldest < 0 || seen[i] < seen[oldest])) {
                oldest = i;
            }
        }
        if (oldest >= 0) {
            count(peers[oldest], -1);
            remove(oldest);
        }
    }

    /** Removes slot i and re-seats the entries after it (linear probing). */
    private void remove(int i) {
        int mask = macs.length - 1;
        macs[i] = 0;
        peers[i] = null;
        size--;
        for (int j = (i + 1) & mask; macs[j] != 0; j = (j + 1) & mask) {
            long m = macs[j];
            Object p = peers[j];
            long s = seen[j];
            macs[j] = 0;
            peers[j] = null;
            size--;
            insert(m, p, s);
        }
    }

    private static int hash(long mac) {
        long h = mac * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The MAC at {@code at}, as a 48-bit long. */
    static long mac(ByteBuffer b, int at) {
        return ((long) (b.getShort(at) & 0xffff) << 32) | (b.getInt(at + 2) & 0xffffffffL);
    }
}
