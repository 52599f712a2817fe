package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

/**
 * What a path narrower than the TAP asks of the hosts behind it ({@code -pmtu}, docs/operations.md
 * "PMTU"): TCP's maximum segment size clamped in SYN and SYN-ACK segments, and an ICMP "too big"
 * (IPv4 fragmentation needed, IPv6 packet too big) written back for a packet that may not be
 * fragmented. Ethernet frames, with one 802.1Q tag at most; IPv4 with options; IPv6 without
 * extension headers (others are left as they are). Reads only within the bounds it is given:
 * anything shorter or stranger is left alone. Stateless.
 */
final class TooBig {

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int TCP = 6;
    private static final int ICMP = 1;
    private static final int ICMPV6 = 58;
    /** IPv6's least MTU: a packet too big is never asked below it, and its answer quotes no more. */
    static final int IPV6_MIN_MTU = 1280;
    /** IPv4's least MTU ({@code RFC 791}). */
    static final int IPV4_MIN_MTU = 576;

    private TooBig() {
    }

    /**
     * Where the IP header of the Ethernet frame at {@code eth} starts, or -1 when it holds no whole
     * IP header; its version ({@link #v4}) tells IPv4 from IPv6. Allocates nothing: it runs for
     * every frame with {@code -pmtu}.
     */
    static int ip(ByteBuffer b, int eth, int limit) {
        if (limit - eth < 14) {
            return -1;
        }
        int t = b.getShort(eth + 12) & 0xffff;
        int at = eth + 14;
        if (t == ETHERTYPE_VLAN) {
            if (limit - eth < 18) {
                return -1;
            }
            t = b.getShort(eth + 16) & 0xffff;
            at = eth + 18;
        }
        if (t == ETHERTYPE_IPV4 && limit - at >= 20 && (b.get(at) & 0xf0) == 0x40 && (b.get(at) & 0x0f) >= 5
                && limit - at >= (b.get(at) & 0x0f) * 4) {
            return at;
        }
        if (t == ETHERTYPE_IPV6 && limit - at >= 40 && (b.get(at) & 0xf0) == 0x60) {
            return at;
        }
        return -1;
    }

    /** Whether the IP header {@link #ip} found is IPv4's (else IPv6's). */
    private static boolean v4(ByteBuffer b, int ip) {
        return (b.get(ip) & 0xf0) == 0x40;
    }

    /**
     * Clamps the MSS option of a TCP SYN (or SYN-ACK) in the frame at {@code eth} so that a segment
     * fits an IP packet of {@code maxIp} bytes, and mends the TCP checksum (RFC 1624) unless it is
     * {@code partial} (still to be finished by the device, over the bytes as they are then).
     *
     * @return whether it lowered the MSS
     */
    static boolean clampMss(ByteBuffer b, int eth, int limit, int maxIp, boolean partial) {
        int ip = ip(b, eth, limit);
        if (ip < 0) {
            return false;
        }
        int tcp;
        int mss;
        if (v4(b, ip)) {
            if (b.get(ip + 9) != TCP || (b.getShort(ip + 6) & 0x1fff) != 0) {
                return false; // not TCP, or not its first fragment
            }
            tcp = ip + (b.get(ip) & 0x0f) * 4;
            mss = maxIp - 40;
        } else {
            if (b.get(ip + 6) != TCP) {
                return false; // extension headers, or not TCP
            }
            tcp = ip + 40;
            mss = maxIp - 60;
        }
        if (limit - tcp < 20 || (b.get(tcp + 13) & 0x02) == 0) {
            return false; // no SYN
        }
        int end = tcp + ((b.get(tcp + 12) & 0xf0) >>> 2);
        if (end > limit || end < tcp + 20) {
            return false;
        }
        for (int at = tcp + 20; at < end;) {
            int kind = b.get(at) & 255;
            if (kind == 0) {
                return false;
            }
            if (kind == 1) {
                at++;
                continue;
            }
            if (at + 1 >= end) {
                return false;
            }
            int len = b.get(at + 1) & 255;
            if (len < 2 || at + len > end) {
                return false;
            }
            if (kind == 2 && len == 4) {
                int old = b.getShort(at + 2) & 0xffff;
                if (old <= mss || mss <= 0) {
                    return false;
                }
                b.putShort(at + 2, (short) mss);
                if (!partial) {
                    // RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')
                    int sum = (~b.getShort(tcp + 16) & 0xffff) + (~old & 0xffff) + mss;
                    sum = (sum & 0xffff) + (sum >>> 16);
                    sum = (sum & 0xffff) + (sum >>> 16);
                    b.putShort(tcp + 16, (short) ~sum);
                }
                return true;
            }
            at += len;
        }
        return false;
    }

    /**
     * The IP packet's length when the frame at {@code eth} holds one that may not be fragmented
     * on the way (IPv4 with DF set, or any IPv6 packet), else -1.
     */
    static int unfragmentable(ByteBuffer b, int eth, int limit) {
        int ip = ip(b, eth, limit);
        if (ip < 0) {
            return -1;
        }
        if (v4(b, ip)) {
            return (b.get(ip + 6) & 0x40) != 0 ? b.getShort(ip + 2) & 0xffff : -1;
        }
        return 40 + (b.getShort(ip + 4) & 0xffff);
    }

    /**
     * Writes into {@code out} (from its position) the Ethernet frame that tells the sender of the
     * packet in the frame at {@code eth} that it is too big for {@code mtu}: ICMP type 3 code 4 with
     * the next-hop MTU (IPv4; its header and 8 bytes quoted), or ICMPv6 type 2 with the MTU (as
     * much of the packet quoted as fits 1280 bytes), from the packet's destination to its source,
     * MACs swapped, checksums made. Nothing is written for a packet that is not IP, is an ICMP
     * error itself, or (IPv6) for an MTU below 1280.
     *
     * @return the frame's length, or 0 when none is due
     */
    static int answer(ByteBuffer b, int eth, int limit, int mtu, ByteBuffer out) {
        int ip = ip(b, eth, limit);
        if (ip < 0) {
            return 0;
        }
        int start = out.position();
        boolean v4 = v4(b, ip);
        if (!v4 && mtu < IPV6_MIN_MTU || v4 && mtu < IPV4_MIN_MTU) {
            return 0;
        }
        int quote = v4 ? Math.min(limit - ip, (b.get(ip) & 0x0f) * 4 + 8)
                : Math.min(limit - ip, IPV6_MIN_MTU - 40 - 8);
        int headers = v4 ? 20 + 8 : 40 + 8;
        if (out.remaining() < 14 + headers + quote || isIcmpError(b, ip, v4, limit)) {
            return 0;
        }
        // Ethernet: back to where it came from
        for (int i = 0; i < 6; i++) {
            out.put(start + i, b.get(eth + 6 + i));
            out.put(start + 6 + i, b.get(eth + i));
        }
        out.putShort(start + 12, (short) (v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6));
        int o = start + 14;
        if (v4) {
            out.put(o, (byte) 0x45).put(o + 1, (byte) 0xc0).putShort(o + 2, (short) (headers + quote)).putInt(o + 4, 0)
                    .put(o + 8, (byte) 64).put(o + 9, (byte) ICMP).putShort(o + 10, (short) 0)
                    .putInt(o + 12, b.getInt(ip + 16)).putInt(o + 16, b.getInt(ip + 12));
            out.putShort(o + 10, (short) ~sum(out, o, 20, 0));
            int c = o + 20;
            out.put(c, (byte) 3).put(c + 1, (byte) 4).putShort(c + 2, (short) 0).putShort(c + 4, (short) 0)
                    .putShort(c + 6, (short) mtu);
            out.put(c + 8, b, ip, quote);
            out.putShort(c + 2, (short) ~sum(out, c, 8 + quote, 0));
        } else {
            out.putInt(o, 0x60000000).putShort(o + 4, (short) (8 + quote)).put(o + 6, (byte) ICMPV6).put(o + 7, (byte) 64);
            out.put(o + 8, b, ip + 24, 16).put(o + 24, b, ip + 8, 16);
            int c = o + 40;
            out.put(c, (byte) 2).put(c + 1, (byte) 0).putShort(c + 2, (short) 0).putInt(c + 4, mtu);
            out.put(c + 8, b, ip, quote);
            int pseudo = sum(out, o + 8, 32, 0) + 8 + quote + ICMPV6;
            out.putShort(c + 2, (short) ~sum(out, c, 8 + quote, pseudo));
        }
        out.position(start + 14 + headers + quote);
        return 14 + headers + quote;
    }

    /** Whether the packet is an ICMP error (never answered with another: RFC 1122, RFC 4443). */
    private static boolean isIcmpError(ByteBuffer b, int ip, boolean v4, int limit) {
        if (v4) {
            int icmp = ip + (b.get(ip) & 0x0f) * 4;
            return b.get(ip + 9) == ICMP && icmp < limit && (b.get(icmp) & 255) != 0 && (b.get(icmp) & 255) != 8;
        }
        return b.get(ip + 6) == ICMPV6 && ip + 40 < limit && (b.get(ip + 40) & 255) < 128;
    }

    /** The 16-bit ones' complement sum of {@code n} bytes at {@code at}, added to {@code initial}, folded. */
    static int sum(ByteBuffer b, int at, int n, int initial) {
        return Offload.fold(Offload.sum(b, at, at + n, initial));
    }
}
