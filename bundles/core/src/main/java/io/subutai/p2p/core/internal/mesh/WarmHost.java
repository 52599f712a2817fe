package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import io.subutai.p2p.api.MacAddress;

/**
 * The host behind a TAP of the {@link WarmPair}: what a Linux host on a fresh interface sends
 * (ARP, IPv6 neighbour and router discovery, multicast listener reports, pings) and how it answers
 * (ARP requests for its address, echo requests to it). The frames are real enough for every branch
 * a real network's first seconds take through the engine (the switch's learning and flooding, the
 * address guard's ARP and neighbour-discovery checks), so that the code compiled during the
 * warm-up is not thrown away at the first ARP of a real peer. Checksums are not computed: no
 * kernel reads these frames.
 */
final class WarmHost {

    static final int ETH = 14;
    private static final int ARP = 0x0806;
    private static final int IPV4 = 0x0800;
    private static final int IPV6 = 0x86dd;
    private static final int ICMP = 1;
    private static final int ICMPV6 = 58;
    private static final int ECHO_REQUEST = 8;
    private static final int ECHO_REPLY = 0;
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    final MacAddress mac;
    final int ip;
    private final IntConsumer replies;
    private volatile WarmPair.Side side;
    /** ARP requests and echo requests this host answered. */
    final AtomicInteger arpAnswered = new AtomicInteger();
    final AtomicInteger echoAnswered = new AtomicInteger();

    /** @param replies gets the identifier of each echo reply that reaches this host (null: none expected) */
    WarmHost(MacAddress mac, int ip, IntConsumer replies) {
        this.mac = mac;
        this.ip = ip;
        this.replies = replies;
    }

    void attach(WarmPair.Side s) {
        side = s;
    }

    /** Sends a frame into the engine, as the host's kernel would. */
    void send(byte[] frame) {
        WarmPair.Side s = side;
        if (s != null) {
            s.inject(frame);
        }
    }

    /** Asks for {@code target}'s MAC, as the kernel does before its first packet there (broadcast). */
    void askArp(int target) {
        send(arp(1, mac, ip, null, target));
    }

    /** What Linux sends over IPv6 as the interface comes up ({@link #ipv6Hello}). */
    void hello() {
        for (byte[] f : ipv6Hello(mac)) {
            send(f);
        }
    }

    /** An echo request of {@code size} bytes to {@code to}, with {@code id}. */
    void ping(WarmHost to, int size, int id) {
        send(echo(ECHO_REQUEST, to.mac, mac, ip, to.ip, size, id));
    }

    /** A frame the engine wrote to this host's TAP (Ethernet, at the position). */
    void received(ByteBuffer f) {
        int at = f.position();
        if (f.remaining() < ETH + 28) {
            return;
        }
        int type = f.getShort(at + 12) & 0xffff;
        if (type == ARP && f.getShort(at + ETH + 6) == 1 && f.getInt(at + ETH + 24) == ip) {
            arpAnswered.incrementAndGet();
            send(arp(2, mac, ip, mac(f, at + 6), f.getInt(at + ETH + 14)));
        } else if (type == IPV4 && (f.get(at + ETH + 9) & 255) == ICMP && f.getInt(at + ETH + 16) == ip) {
            int icmp = f.get(at + ETH + 20) & 255;
            int id = f.getShort(at + ETH + 24) & 0xffff;
            if (icmp == ECHO_REQUEST) {
                echoAnswered.incrementAndGet();
                send(echo(ECHO_REPLY, mac(f, at + 6), mac, ip, f.getInt(at + ETH + 12), f.remaining(), id));
            } else if (icmp == ECHO_REPLY && replies != null) {
                replies.accept(id);
            }
        }
    }

    private static MacAddress mac(ByteBuffer f, int at) {
        byte[] m = new byte[6];
        f.get(at, m);
        return MacAddress.of(m);
    }

    /** An echo request or reply of {@code size} bytes (Ethernet header included). */
    private static byte[] echo(int icmpType, MacAddress to, MacAddress from, int src, int dst, int size, int id) {
        ByteBuffer b = ethernet(size, to.toBytes(), from, IPV4);
        ipv4(b, size - ETH, ICMP, src, dst);
        b.put(ETH + 20, (byte) icmpType).putShort(ETH + 24, (short) id).putShort(ETH + 26, (short) 1);
        return b.array();
    }

    /** An ARP request (op 1, broadcast) or reply (op 2, to {@code to}). */
    private static byte[] arp(int op, MacAddress from, int spa, MacAddress to, int tpa) {
        ByteBuffer b = ethernet(ETH + 28, op == 1 ? BROADCAST : to.toBytes(), from, ARP);
        b.position(ETH);
        b.putShort((short) 1).putShort((short) IPV4).put((byte) 6).put((byte) 4).putShort((short) op);
        b.put(from.toBytes()).putInt(spa).put(op == 1 ? new byte[6] : to.toBytes()).putInt(tpa);
        return b.array();
    }

    /**
     * What a Linux interface sends in its first second over IPv6: the duplicate-address probe for
     * its link-local address (a neighbour solicitation from ::), a router solicitation, a
     * multicast listener report (behind a hop-by-hop header), and a neighbour advertisement.
     */
    private static byte[][] ipv6Hello(MacAddress from) {
        byte[] m = from.toBytes();
        byte[] eui = {(byte) (m[0] ^ 2), m[1], m[2], -1, -2, m[3], m[4], m[5]}; // the interface identifier (EUI-64)
        long linkLocalLo = ByteBuffer.wrap(eui).getLong();
        long linkLocalHi = 0xfe80_0000_0000_0000L;
        int low24 = (int) (linkLocalLo & 0xffffff);
        byte[] solicited = {0x33, 0x33, -1, (byte) (low24 >> 16), (byte) (low24 >> 8), (byte) low24};
        return new byte[][] {
            icmpv6(solicited, from, 0, 0, 0xff02_0000_0000_0000L, 0x1_ff00_0000L | low24, 135, linkLocalHi, linkLocalLo),
            icmpv6(new byte[] {0x33, 0x33, 0, 0, 0, 2}, from, linkLocalHi, linkLocalLo, 0xff02_0000_0000_0000L, 2, 133, 0, 0),
            mldReport(from, linkLocalHi, linkLocalLo),
            icmpv6(new byte[] {0x33, 0x33, 0, 0, 0, 1}, from, linkLocalHi, linkLocalLo, 0xff02_0000_0000_0000L, 1, 136,
                    linkLocalHi, linkLocalLo),
        };
    }

    private static byte[] icmpv6(byte[] to, MacAddress from, long srcHi, long srcLo, long dstHi, long dstLo, int type,
            long targetHi, long targetLo) {
        ByteBuffer b = ethernet(ETH + 40 + 24, to, from, IPV6);
        ipv6(b, 24, ICMPV6, srcHi, srcLo, dstHi, dstLo);
        b.put(ETH + 40, (byte) type).putLong(ETH + 40 + 8, targetHi).putLong(ETH + 40 + 16, targetLo);
        return b.array();
    }

    private static byte[] mldReport(MacAddress from, long srcHi, long srcLo) {
        ByteBuffer b = ethernet(ETH + 40 + 8 + 28, new byte[] {0x33, 0x33, 0, 0, 0, 0x16}, from, IPV6);
        ipv6(b, 8 + 28, 0, srcHi, srcLo, 0xff02_0000_0000_0000L, 0x16);
        b.put(ETH + 40, (byte) ICMPV6).put(ETH + 40 + 1, (byte) 0).put(ETH + 40 + 8, (byte) 143); // hop-by-hop, then MLDv2
        return b.array();
    }

    private static ByteBuffer ethernet(int size, byte[] to, MacAddress from, int type) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(0, to).put(6, from.toBytes()).putShort(12, (short) type);
        return b;
    }

    private static void ipv4(ByteBuffer b, int length, int protocol, int src, int dst) {
        b.put(ETH, (byte) 0x45).putShort(ETH + 2, (short) length).put(ETH + 8, (byte) 64).put(ETH + 9, (byte) protocol)
                .putInt(ETH + 12, src).putInt(ETH + 16, dst);
    }

    private static void ipv6(ByteBuffer b, int payload, int next, long srcHi, long srcLo, long dstHi, long dstLo) {
        b.putInt(ETH, 0x6000_0000).putShort(ETH + 4, (short) payload).put(ETH + 6, (byte) next).put(ETH + 7, (byte) 255)
                .putLong(ETH + 8, srcHi).putLong(ETH + 16, srcLo).putLong(ETH + 24, dstHi).putLong(ETH + 32, dstLo);
    }
}
