package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class TooBigTest {

    private static final byte[] MAC_A = {6, 0, 0, 0, 0, 1};
    private static final byte[] MAC_B = {6, 0, 0, 0, 0, 2};

    /** An Ethernet frame with an IPv4 TCP SYN from 10.0.0.1 to 10.0.0.2 carrying MSS {@code mss}, its checksums right. */
    private static ByteBuffer syn4(int mss, boolean vlan) {
        int eth = vlan ? 18 : 14;
        ByteBuffer b = ByteBuffer.allocate(eth + 20 + 24);
        b.put(0, MAC_B).put(6, MAC_A);
        if (vlan) {
            b.putShort(12, (short) 0x8100).putShort(14, (short) 7).putShort(16, (short) 0x0800);
        } else {
            b.putShort(12, (short) 0x0800);
        }
        int ip = eth;
        b.put(ip, (byte) 0x45).putShort(ip + 2, (short) 44).putShort(ip + 6, (short) 0x4000).put(ip + 8, (byte) 64)
                .put(ip + 9, (byte) 6).putInt(ip + 12, 0x0a000001).putInt(ip + 16, 0x0a000002);
        b.putShort(ip + 10, (short) ~TooBig.sum(b, ip, 20, 0));
        int tcp = ip + 20;
        b.putShort(tcp, (short) 40000).putShort(tcp + 2, (short) 22).putInt(tcp + 4, 12345).put(tcp + 12, (byte) 0x60)
                .put(tcp + 13, (byte) 0x02).putShort(tcp + 14, (short) 64240);
        b.put(tcp + 20, (byte) 2).put(tcp + 21, (byte) 4).putShort(tcp + 22, (short) mss);
        b.putShort(tcp + 16, (short) ~tcpSum(b, ip, tcp, 24));
        return b;
    }

    private static int tcpSum(ByteBuffer b, int ip, int tcp, int len) {
        int pseudo = TooBig.sum(b, ip + 12, 8, 0) + 6 + len;
        return TooBig.sum(b, tcp, len, pseudo);
    }

    @Test
    void aSynsMssIsClampedToThePathAndItsChecksumStaysRight() {
        for (boolean vlan : new boolean[] {false, true}) {
            ByteBuffer b = syn4(1460, vlan);
            int ip = vlan ? 18 : 14;
            assertTrue(TooBig.clampMss(b, 0, b.limit(), 1240, false));
            assertEquals(1200, b.getShort(ip + 20 + 22) & 0xffff, "the IP packet of 1240 less 40 bytes of headers");
            assertEquals(0xffff, tcpSum(b, ip, ip + 20, 24), "the checksum still adds up");
            assertFalse(TooBig.clampMss(b, 0, b.limit(), 1240, false), "once");
            assertFalse(TooBig.clampMss(syn4(1100, vlan), 0, b.limit(), 1240, false), "a smaller MSS stays");
        }
        ByteBuffer partial = syn4(1460, false);
        short before = partial.getShort(14 + 20 + 16);
        assertTrue(TooBig.clampMss(partial, 0, partial.limit(), 1240, true));
        assertEquals(before, partial.getShort(14 + 20 + 16), "a checksum the device finishes is left to it");
        ByteBuffer ack = syn4(1460, false);
        ack.put(14 + 20 + 13, (byte) 0x10);
        assertFalse(TooBig.clampMss(ack, 0, ack.limit(), 1240, false), "only SYN and SYN-ACK carry the MSS");
    }

    @Test
    void anIpv4PacketWithDfGetsFragmentationNeededFromItsDestination() {
        ByteBuffer big = ByteBuffer.allocate(14 + 1500);
        big.put(0, MAC_B).put(6, MAC_A).putShort(12, (short) 0x0800);
        big.put(14, (byte) 0x45).putShort(16, (short) 1500).putShort(20, (short) 0x4000).put(22, (byte) 64).put(23, (byte) 1)
                .putInt(26, 0x0a000001).putInt(30, 0x0a000002).put(34, (byte) 8);
        assertEquals(1500, TooBig.unfragmentable(big, 0, big.limit()));
        ByteBuffer out = ByteBuffer.allocate(2048);
        int n = TooBig.answer(big, 0, big.limit(), 1240, out);
        assertEquals(14 + 20 + 8 + 28, n, "its IP header and 8 bytes quoted");
        for (int i = 0; i < 6; i++) {
            assertEquals(MAC_A[i], out.get(i), "to the sender's MAC");
            assertEquals(MAC_B[i], out.get(6 + i), "from the MAC it sent to");
        }
        assertEquals(0x0a000002, out.getInt(14 + 12), "from the packet's destination");
        assertEquals(0x0a000001, out.getInt(14 + 16));
        assertEquals(0xffff, TooBig.sum(out, 14, 20, 0), "the IP checksum");
        assertEquals(3, out.get(34));
        assertEquals(4, out.get(35));
        assertEquals(1240, out.getShort(40) & 0xffff, "the next-hop MTU");
        assertEquals(0xffff, TooBig.sum(out, 34, n - 34, 0), "the ICMP checksum");

        big.putShort(20, (short) 0);
        assertEquals(-1, TooBig.unfragmentable(big, 0, big.limit()), "without DF it may be fragmented");
        big.put(34, (byte) 3).putShort(20, (short) 0x4000);
        assertEquals(0, TooBig.answer(big, 0, big.limit(), 1240, out.clear()), "an ICMP error gets no ICMP error");
    }

    @Test
    void anIpv6PacketGetsPacketTooBigNeverBelow1280() {
        ByteBuffer big = ByteBuffer.allocate(14 + 1500);
        big.put(0, MAC_B).put(6, MAC_A).putShort(12, (short) 0x86dd);
        big.putInt(14, 0x60000000).putShort(18, (short) 1460).put(20, (byte) 17).put(21, (byte) 64);
        big.put(22 + 15, (byte) 1).put(38 + 15, (byte) 2); // ::1 to ::2 (any addresses do)
        assertEquals(1500, TooBig.unfragmentable(big, 0, big.limit()));
        ByteBuffer out = ByteBuffer.allocate(2048);
        int n = TooBig.answer(big, 0, big.limit(), 1400, out);
        assertEquals(14 + 1280, n, "as much quoted as fits 1280 bytes");
        assertEquals(2, out.get(14 + 40), "packet too big");
        assertEquals(1400, out.getInt(14 + 44));
        assertEquals(2, out.get(14 + 8 + 15), "from the packet's destination");
        assertEquals(1, out.get(14 + 24 + 15));
        int pseudo = TooBig.sum(out, 14 + 8, 32, 0) + (n - 14 - 40) + 58;
        assertEquals(0xffff, TooBig.sum(out, 14 + 40, n - 14 - 40, pseudo), "the ICMPv6 checksum");
        assertEquals(0, TooBig.answer(big, 0, big.limit(), 1200, out.clear()), "IPv6 is never told less than 1280");
    }

    @Test
    void whatIsNotIpIsLeftAlone() {
        ByteBuffer arp = ByteBuffer.allocate(42);
        arp.putShort(12, (short) 0x0806);
        assertEquals(-1, TooBig.unfragmentable(arp, 0, 42));
        assertEquals(0, TooBig.answer(arp, 0, 42, 1240, ByteBuffer.allocate(100)));
        assertFalse(TooBig.clampMss(arp, 0, 42, 1240, false));
        ByteBuffer shortSyn = syn4(1460, false);
        assertFalse(TooBig.clampMss(shortSyn, 0, 14 + 20 + 21, 1240, false), "options cut short");
    }
}
