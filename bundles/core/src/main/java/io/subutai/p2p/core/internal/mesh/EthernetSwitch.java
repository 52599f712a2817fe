package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The L2 switch of a network instance, between its TAP interface and its peers. A full mesh
 * needs no forwarding between peers, so the rules are short:
 * <ul>
 * <li>a frame from a peer teaches "its source MAC is behind that peer" and goes to the TAP only;</li>
 * <li>a frame from the TAP goes to the peer its destination MAC is behind, or, for broadcast,
 * multicast and unknown destinations, to every connected peer (ARP, IPv6 ND, DHCP work);</li>
 * <li>a frame never goes back where it came from.</li>
 * </ul>
 * And none of them lets one member take another's traffic (docs/protocol.md §5.3):
 * <ul>
 * <li>each peer has one MAC <em>pinned</em> to its identity: the one its peer info announces, or
 * until then the source of its first frame. A peer sends from its pinned MAC only
 * ({@link #FOREIGN} otherwise), unless it announced itself a bridge ({@code -bridge}: containers
 * behind its TAP), whose other source MACs are then bound to it, {@link #PER_BRIDGE} at most;</li>
 * <li>a MAC pinned to one peer, or bound to one within {@link #AGE_NANOS}, is refused to every
 * other ({@link #TAKEN}), as is this node's own;</li>
 * <li>pins never age and never make room for anything; a bridge that needs room evicts its own
 * oldest MAC, or one silent for the age, never another's live entry ({@link #FULL} when none
 * can go). The table holds {@link #MAX_PINS} pins and {@link #BRIDGED} bridged MACs.</li>
 * </ul>
 * Learning runs on receive threads, routing on the TAP thread; the table's lock is held for a few
 * array reads (a bridge's new MAC allocates its queue entry).
 *
 * @param <P> the peer handle
 */
final class EthernetSwitch<P> {

    /** The most peers with a pinned MAC (as many as a network may have, {@link Mesh#MAX_PEERS}). */
    static final int MAX_PINS = Mesh.MAX_PEERS;
    /** The most MACs bridged behind all peers together, and behind one. */
    static final int BRIDGED = 3072;
    static final int PER_BRIDGE = 1024;
    static final int CAPACITY = MAX_PINS + BRIDGED;
    /** How long a bridged MAC stays without being seen again. */
    static final long AGE_NANOS = 300_000_000_000L;
    private static final int MIN_FRAME = 14;
    private static final int SLOTS = Integer.highestOneBit(CAPACITY) * 4;

    /** What {@link #learn} found. The frame's source is the sender's: deliver it. */
    static final int LEARNED = 0;
    /** The frame is no frame, or its source no unicast MAC. */
    static final int MALFORMED = 1;
    /** Its source is another member's, or this node's own: a member sending as another. */
    static final int TAKEN = 2;
    /** Its source is not the sender's pinned MAC, and the sender is no bridge. */
    static final int FOREIGN = 3;
    /** The sender is a bridge with no room for one more MAC. */
    static final int FULL = 4;

    /** A peer's place in the table: its pinned MAC, whether it bridges, its bridged MACs oldest first. */
    private static final class Holder {
        long pin;
        boolean bridge;
        int bridged;
        final ArrayDeque<Long> order = new ArrayDeque<>();
    }

    // guarded by this: an open-addressing table, MACs as 48-bit longs (0 = empty slot)
    private final long[] macs = new long[SLOTS];
    private final Object[] peers = new Object[SLOTS];
    private final long[] seen = new long[SLOTS];
    private final boolean[] pinned = new boolean[SLOTS];
    private final Map<Object, Holder> holders = new IdentityHashMap<>();
    private int size;
    private int pins;
    private int bridgedTotal;

    /** This node's own MAC, which no peer sends from (0: none). */
    private final long own;
    /** Who holds which overlay address, forgotten with the peer. */
    final AddressGuard<P> addresses = new AddressGuard<>();

    EthernetSwitch() {
        this(0);
    }

    /** @param own this node's TAP's MAC, as {@link #mac} reads it: frames from it are another member's lie */
    EthernetSwitch(long own) {
        this.own = own;
    }

    /**
     * What a peer's peer info announced: its TAP's MAC, pinned to it from now on (the one it pinned
     * before is let go, or kept as bridged when it bridges), and whether it bridges.
     *
     * @return false when the MAC is another's, or this node's, or no pin is left: nothing changed
     */
    synchronized boolean announce(P from, long mac, boolean bridge, long nowNanos) {
        if (mac == 0 || (mac & (1L << 40)) != 0 || mac == own) {
            return false;
        }
        Holder h = holders.get(from);
        if (h != null && h.pin == mac) {
            h.bridge = bridge;
            return true;
        }
        int slot = find(mac);
        if (slot >= 0 && peers[slot] != from && (pinned[slot] || nowNanos - seen[slot] <= AGE_NANOS)) {
            return false;
        }
        if ((h == null || h.pin == 0) && pins >= MAX_PINS) {
            return false;
        }
        h = holder(from);
        h.bridge = bridge;
        if (h.pin != 0) {
            int old = find(h.pin);
            if (bridge && h.bridged < PER_BRIDGE && bridgedTotal < BRIDGED) {
                pinned[old] = false; // still behind it, as one of its bridged MACs
                h.bridged++;
                bridgedTotal++;
                h.order.add(h.pin);
            } else {
                remove(old);
            }
            pins--;
        }
        slot = find(mac);
        if (slot >= 0) {
            release(slot);
            remove(slot);
        }
        h.pin = mac;
        pins++;
        pinned[insert(mac, from, nowNanos)] = true;
        return true;
    }

    /**
     * Learns from a frame a peer sent.
     *
     * @return {@link #LEARNED}: deliver it; otherwise drop it ({@link #MALFORMED}, {@link #TAKEN},
     *         {@link #FOREIGN}, {@link #FULL})
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
            Holder h = holders.get(from);
            if (h != null && h.pin == src) {
                seen[find(src)] = nowNanos;
                return LEARNED;
            }
            if (h == null || h.pin == 0) { // its first frame: its MAC until it announces one
                return announce(from, src, false, nowNanos) ? LEARNED : TAKEN;
            }
            if (!h.bridge) {
                return FOREIGN;
            }
            return bridged(h, from, src, nowNanos);
        }
    }

    /** A bridge's frame from a MAC other than its pinned one. Caller holds the lock. */
    private int bridged(Holder h, Object from, long src, long now) {
        int slot = find(src);
        if (slot >= 0) {
            if (peers[slot] == from) {
                seen[slot] = now;
                return LEARNED;
            }
            if (pinned[slot] || now - seen[slot] <= AGE_NANOS) {
                return TAKEN; // another member's, pinned or seen lately: never taken over
            }
            release(slot); // silent for the age: it moved (a container that migrated)
            remove(slot);
        }
        if (h.bridged >= PER_BRIDGE || (bridgedTotal >= BRIDGED && h.bridged > 0)) {
            evictOldest(h, from);
        } else if (bridgedTotal >= BRIDGED && !evictAged(now)) {
            return FULL;
        }
        insert(src, from, now);
        h.bridged++;
        bridgedTotal++;
        h.order.add(src);
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
            if (slot < 0 || (!pinned[slot] && nowNanos - seen[slot] > AGE_NANOS)) {
                return null;
            }
            return (P) peers[slot];
        }
    }

    /** Whether a frame is at least an Ethernet header. */
    static boolean isFrame(ByteBuffer frame) {
        return frame.limit() - frame.position() >= MIN_FRAME;
    }

    /** Forgets every MAC learned behind {@code peer} (it left), and the addresses it held. */
    synchronized void forget(P peer) {
        addresses.forget(peer);
        if (holders.remove(peer) == null) {
            return;
        }
        for (int i = 0; i < macs.length; i++) {
            while (macs[i] != 0 && peers[i] == peer) {
                if (pinned[i]) {
                    pins--;
                } else {
                    bridgedTotal--;
                }
                remove(i); // re-seating may move another of the peer's entries into slot i
            }
        }
    }

    /** How many MACs the table holds for {@code peer}. */
    synchronized int size(P peer) {
        Holder h = holders.get(peer);
        return h == null ? 0 : (h.pin != 0 ? 1 : 0) + h.bridged;
    }

    synchronized int size() {
        return size;
    }

    private Holder holder(Object peer) {
        return holders.computeIfAbsent(peer, k -> new Holder());
    }

    /** Takes slot i's entry off its holder's books (the caller removes or re-seats the slot). */
    private void release(int i) {
        Holder h = holders.get(peers[i]);
        if (pinned[i]) {
            pins--;
            if (h != null) {
                h.pin = 0;
            }
        } else {
            bridgedTotal--;
            if (h != null) {
                h.bridged--;
            }
        }
    }

    /** Evicts the oldest of the bridge's own MACs (its queue may name MACs that moved since: skipped). */
    private void evictOldest(Holder h, Object from) {
        for (Long m = h.order.poll(); m != null; m = h.order.poll()) {
            int slot = find(m);
            if (slot >= 0 && peers[slot] == from && !pinned[slot]) {
                release(slot);
                remove(slot);
                return;
            }
        }
    }

    /** Evicts one bridged MAC, of anyone, silent for the age. */
    private boolean evictAged(long now) {
        for (int i = 0; i < macs.length; i++) {
            if (macs[i] != 0 && !pinned[i] && now - seen[i] > AGE_NANOS) {
                release(i);
                remove(i);
                return true;
            }
        }
        return false;
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

    private int insert(long mac, Object peer, long now) {
        int mask = macs.length - 1;
        int i = hash(mac) & mask;
        while (macs[i] != 0) {
            i = (i + 1) & mask;
        }
        macs[i] = mac;
        peers[i] = peer;
        seen[i] = now;
        pinned[i] = false;
        size++;
        return i;
    }

    /** Removes slot i and re-seats the entries after it (linear probing). */
    private void remove(int i) {
        int mask = macs.length - 1;
        macs[i] = 0;
        peers[i] = null;
        pinned[i] = false;
        size--;
        for (int j = (i + 1) & mask; macs[j] != 0; j = (j + 1) & mask) {
            long m = macs[j];
            Object p = peers[j];
            long s = seen[j];
            boolean pin = pinned[j];
            macs[j] = 0;
            peers[j] = null;
            pinned[j] = false;
            size--;
            pinned[insert(m, p, s)] = pin;
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
