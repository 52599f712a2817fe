package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Keeps members from claiming each other's overlay addresses (docs/protocol.md §5.3): the
 * addresses a peer's ARP and IPv6 neighbour discovery speak for are bound to it, and a claim of
 * an address bound to another peer, or of this node's own, is refused. A peer's announced IPv4
 * address (peer info) is bound to it for as long as it is a peer; addresses it merely used are
 * bound for {@link EthernetSwitch#AGE_NANOS} since last used, {@link #PER_PEER} at most
 * ({@link #PER_BRIDGE} for a bridge), its own oldest making room. Only ARP and neighbour
 * solicitations and advertisements are read, so the data path pays nothing. Used by the receive
 * thread; its own lock besides.
 *
 * @param <P> the peer handle
 */
final class AddressGuard<P> {

    static final int PER_PEER = 16;
    static final int PER_BRIDGE = EthernetSwitch.PER_BRIDGE;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ICMPV6 = 58;
    private static final int NEIGHBOR_SOLICITATION = 135;
    private static final int NEIGHBOR_ADVERTISEMENT = 136;

    /** An address: IPv4 as the low 32 bits with {@code hi == -1}, IPv6 as its two halves. */
    private record Address(long hi, long lo) {
    }

    private static final class Binding {
        Object peer;
        long seen;
        boolean announced;
    }

    private static final class Holder {
        boolean bridge;
        Address announced;
        final ArrayDeque<Address> used = new ArrayDeque<>();
    }

    // guarded by this
    private final Map<Address, Binding> bindings = new HashMap<>();
    private final Map<Object, Holder> holders = new IdentityHashMap<>();
    /** This node's own overlay address (0: none). */
    private volatile int own;

    void own(int ipv4) {
        own = ipv4;
    }

    /**
     * What a peer's peer info announced: its overlay IPv4 address (0: none), bound to it, and
     * whether it bridges.
     *
     * @return false when the address is another's, or this node's: not bound
     */
    synchronized boolean announce(P peer, int ipv4, boolean bridge, long now) {
        Holder h = holders.computeIfAbsent(peer, k -> new Holder());
        h.bridge = bridge;
        if (ipv4 == 0) {
            return true;
        }
        Address a = new Address(-1, ipv4 & 0xffffffffL);
        if (a.equals(h.announced)) {
            return true;
        }
        if (ipv4 == own || takenByAnother(a, peer, now)) {
            return false;
        }
        if (h.announced != null) {
            bindings.remove(h.announced);
        }
        h.announced = a;
        Binding b = bindings.computeIfAbsent(a, k -> new Binding());
        b.peer = peer;
        b.seen = now;
        b.announced = true;
        return true;
    }

    /**
     * Whether a frame {@code from} a peer, its Ethernet header at {@code eth}, may go to the TAP:
     * false when it is ARP or neighbour discovery speaking for an address another member holds,
     * or this node's.
     */
    boolean allowed(ByteBuffer b, int eth, P from, long now) {
        int limit = b.limit();
        if (limit - eth < 14) {
            return true;
        }
        int type = b.getShort(eth + 12) & 0xffff;
        if (type == ETHERTYPE_ARP && limit - eth >= 14 + 28) {
            int spa = b.getInt(eth + 14 + 14); // after the ARP header (8) and the sender's MAC (6)
            return spa == 0 || (spa != own && claim(from, new Address(-1, spa & 0xffffffffL), now));
        }
        if (type == ETHERTYPE_IPV6 && limit - eth >= 14 + 40 + 24 && (b.get(eth + 14 + 6) & 255) == ICMPV6) {
            int ip = eth + 14;
            int icmp = b.get(ip + 40) & 255;
            if (icmp == NEIGHBOR_SOLICITATION) {
                long hi = b.getLong(ip + 8);
                long lo = b.getLong(ip + 16);
                return (hi == 0 && lo == 0) || claim(from, new Address(hi, lo), now); // :: is a duplicate-address probe
            }
            if (icmp == NEIGHBOR_ADVERTISEMENT) {
                return claim(from, new Address(b.getLong(ip + 40 + 8), b.getLong(ip + 40 + 16)), now);
            }
        }
        return true;
    }

    private synchronized boolean claim(P from, Address a, long now) {
        Binding b = bindings.get(a);
        if (b != null && b.peer == from) {
            b.seen = now;
            return true;
        }
        if (takenByAnother(a, from, now)) {
            return false;
        }
        Holder h = holders.computeIfAbsent(from, k -> new Holder());
        int quota = h.bridge ? PER_BRIDGE : PER_PEER;
        while (h.used.size() >= quota) {
            Address oldest = h.used.poll();
            Binding o = bindings.get(oldest);
            if (o != null && o.peer == from && !o.announced) {
                bindings.remove(oldest);
            }
        }
        if (b == null) {
            b = new Binding();
            bindings.put(a, b);
        }
        b.peer = from;
        b.seen = now;
        b.announced = false;
        h.used.add(a);
        return true;
    }

    private boolean takenByAnother(Address a, Object peer, long now) {
        Binding b = bindings.get(a);
        return b != null && b.peer != peer && (b.announced || now - b.seen <= EthernetSwitch.AGE_NANOS);
    }

    /** The peer that holds an IPv4 address now (announced, or used lately), or null. */
    synchronized P holder(int ipv4, long now) {
        Binding b = bindings.get(new Address(-1, ipv4 & 0xffffffffL));
        @SuppressWarnings("unchecked")
        P p = b != null && (b.announced || now - b.seen <= EthernetSwitch.AGE_NANOS) ? (P) b.peer : null;
        return p;
    }

    /** Forgets every address bound to {@code peer} (it left). */
    synchronized void forget(P peer) {
        if (holders.remove(peer) != null) {
            bindings.values().removeIf(b -> b.peer == peer);
        }
    }
}
