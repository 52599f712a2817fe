package io.subutai.p2p.discovery.dht.internal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * The records of a network's members that passed their tag check (docs/protocol.md §7,
 * "Records"): the newest time of each member's, so an older one is never taken over a newer, and
 * the subnet each one's address is in, so that a {@code -ip dhcp} member asks for, and accepts,
 * an address only in the subnet the members agree on. At most {@link #MAX} members are kept.
 * Synchronized: the socket's thread and the network's loop both use it.
 */
final class PeerRecords {

    static final int MAX = 4096;

    private final Map<String, Long> times = new HashMap<>();
    private final Map<String, Ipv4Cidr> subnets = new LinkedHashMap<>(); // member -> the subnet of its address

    /** Takes a verified record: false when it is older than one taken before, or when there is no room. */
    synchronized boolean take(DhtRecord r) {
        String key = DhtMessage.hex(r.staticKey());
        Long before = times.get(key);
        if (before != null && r.time() < before || before == null && times.size() >= MAX) {
            return false;
        }
        times.put(key, r.time());
        if (r.address() != 0 && r.prefix() >= 8 && r.prefix() <= 30 && r.address() >>> 24 != 0 && r.address() >>> 24 != 127
                && r.address() >>> 24 < 224) {
            subnets.put(key, new Ipv4Cidr(r.address(), r.prefix()).network());
        } else {
            subnets.remove(key);
        }
        return true;
    }

    /** A member left. */
    synchronized void gone(byte[] staticKey) {
        String key = DhtMessage.hex(staticKey);
        times.remove(key);
        subnets.remove(key);
    }

    /** The subnet most members' addresses are in (the first seen of those tied); null when no member has one. */
    synchronized Ipv4Cidr agreedSubnet() {
        Map<Ipv4Cidr, Integer> votes = new LinkedHashMap<>();
        Ipv4Cidr best = null;
        for (Ipv4Cidr s : subnets.values()) {
            int v = votes.merge(s, 1, Integer::sum);
            if (best == null || v > votes.get(best)) {
                best = s;
            }
        }
        return best;
    }

    synchronized int size() {
        return times.size();
    }
}
