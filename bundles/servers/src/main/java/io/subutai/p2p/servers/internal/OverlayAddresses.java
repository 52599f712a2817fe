package io.subutai.p2p.servers.internal;

import java.util.HashMap;
import java.util.Map;

import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * The overlay addresses of one network's members, as the bootstrap server holds them
 * (docs/protocol.md §7.5). The server decides no subnet: a member holding an address
 * says so in its record, and a {@code -ip dhcp} member asks for a free address in the subnet its
 * record names (the one the verified records of its network agree on), or, naming none, in
 * 10.x.y.0/24 from the network id. Only subnets of /8 to /30 outside 0/8, 127/8 and 224/4 count;
 * an address another member holds is never given or claimed; finding a free one looks at no
 * more than {@link BootstrapServer#MAX_MEMBERS} + 1 hosts. The server thread's alone.
 *
 * @param <M> a member
 */
final class OverlayAddresses<M> {

    /** What a member holds: an address and its prefix (address 0: none). */
    record Held(int address, int prefix) {
        static final Held NONE = new Held(0, 0);
    }

    private final Map<Integer, M> holders = new HashMap<>(); // address -> the member holding it
    private final int fallback; // 10.x.y.0, the /24 of a network whose members name no subnet

    OverlayAddresses(byte[] networkId) {
        this.fallback = 10 << 24 | (networkId[0] & 255) << 16 | (networkId[1] & 255) << 8;
    }

    /** Whether {@code address/prefix} may be an overlay address: a host of a /8 to /30 subnet outside 0/8, 127/8 and 224/4. */
    static boolean sane(int address, int prefix) {
        if (prefix < 8 || prefix > 30) {
            return false;
        }
        int first = address >>> 24;
        int host = address & ~mask(prefix);
        return first != 0 && first != 127 && first < 224 && host != 0 && host != ~mask(prefix);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /**
     * What {@code member} holds after registering {@code record}, having held {@code had}: the
     * address it claims if sane and no other member holds it, or (when it asks) the one it had or
     * asks for if free, else the first free one; {@link Held#NONE} when none.
     */
    Held register(M member, Held had, DhtRecord record) {
        release(member, had);
        Held now = record.wantsAddress() ? allocate(had, record) : claim(record);
        if (now.address() != 0) {
            holders.put(now.address(), member);
        }
        return now;
    }

    /** Forgets what {@code member} held. */
    void release(M member, Held held) {
        if (held.address() != 0 && holders.get(held.address()) == member) {
            holders.remove(held.address());
        }
    }

    private Held claim(DhtRecord r) {
        if (!sane(r.address(), r.prefix()) || holders.containsKey(r.address())) {
            return Held.NONE; // a member keeps its address; a claim of it is refused
        }
        return new Held(r.address(), r.prefix());
    }

    private Held allocate(Held had, DhtRecord r) {
        boolean named = r.address() != 0 && r.prefix() >= 8 && r.prefix() <= 30
                && sane((r.address() & mask(r.prefix())) | 1, r.prefix());
        int prefix = named ? r.prefix() : 24;
        int subnet = named ? r.address() & mask(r.prefix()) : fallback;
        for (int wanted : new int[] {had.prefix() == prefix ? had.address() : 0, named ? r.address() : 0}) {
            if ((wanted & mask(prefix)) == subnet && sane(wanted, prefix) && !holders.containsKey(wanted)) {
                return new Held(wanted, prefix); // the one it had, or the one it asks for
            }
        }
        int hosts = (1 << (32 - prefix)) - 2;
        for (int host = 1; host <= Math.min(hosts, BootstrapServer.MAX_MEMBERS + 1); host++) {
            if (!holders.containsKey(subnet + host)) {
                return new Held(subnet + host, prefix);
            }
        }
        return Held.NONE; // the subnet is full
    }
}
