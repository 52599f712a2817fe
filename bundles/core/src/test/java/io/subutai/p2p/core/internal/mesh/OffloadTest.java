package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Offload headers: what is passed on, and the software segmentation for TAPs without offloads. */
class OffloadTest {

    /** An offload header (little-endian) then the frame. */
    static byte[] withHeader(int flags, int gso, int hdrLen, int gsoSize, int csumStart, int csumOffset, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(Offload.HEADER + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) flags).put((byte) gso).putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart)
                .putShort((short) csumOffset).put(frame);
        return b.array();
    }

    /**
     * A TCP super-frame as a Linux TAP with offloads hands it over: IPv4 or IPv6, the TCP checksum
     * field holding only the pseudo-header's sum, flags PSH|ACK|FIN|CWR to see which segment keeps which.
     */
    static byte[] tcpSuperFrame(boolean v4, int payload, int seed) {
        int l3 = 14;
        int l4 = l3 + (v4 ? 20 : 40);
        int headers = l4 + 20;
        ByteBuffer f = ByteBuffer.allocate(headers + payload);
        f.put(new byte[] {6, 0, 0, 0, 0, 2, 6, 0, 0, 0, 0, 1}).putShort((short) (v4 ? 0x0800 : 0x86dd));
        if (v4) {
            f.put((byte) 0x45).put((byte) 0).putShort((short) (headers - l3 + payload)).putShort((short) 0x1234)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                    .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        } else {
            f.putInt(0x6000_0000).putShort((short) (headers - l4 + payload)).put((byte) 6).put((byte) 64);
            for (int i = 0; i < 32; i++) {
                f.put((byte) (i < 16 ? 0xfd : 0xfe));
            }
        }
        f.putShort((short) 40000).putShort((short) 5201).putInt(0xffff_ff00).putInt(77).put((byte) 0x50)
                .put((byte) (0x80 | 0x10 | 0x08 | 0x01)).putShort((short) 500).putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            f.put((byte) (i * 7 + seed));
        }
        return f.array();
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 255) << 8 | (b[at + 1] & 255);
    }

    private static boolean checksumOk(byte[] s, boolean v4) {
        ByteBuffer b = ByteBuffer.wrap(s);
        int l3 = 14;
        int l4 = l3 + (v4 ? 20 : 40);
        int tcpLen = s.length - l4;
        long pseudo = v4 ? Offload.sum(b, l3 + 12, l3 + 20, 0) : Offload.sum(b, l3 + 8, l3 + 40, 0);
        pseudo += 6 + tcpLen;
        boolean tcp = Offload.fold(Offload.sum(b, l4, s.length, pseudo)) == 0xffff;
        boolean ip = !v4 || Offload.fold(Offload.sum(b, l3, l4, 0)) == 0xffff;
        return tcp && ip;
    }

    private static List<byte[]> toPlain(byte[] withHeader) {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.allocateDirect(withHeader.length + 8);
        in.position(8);
        in.put(withHeader);
        int n = Offload.toPlain(in, 8, 8 + withHeader.length, ByteBuffer.allocateDirect(70_000), seg -> {
            byte[] x = new byte[seg.remaining()];
            seg.duplicate().get(x);
            out.add(x);
        });
        assertEquals(n, out.size());
        return out;
    }

    @Test
    void aTcpSuperFrameIsCutIntoValidSegmentsThatCarryItsBytesInOrder() {
        for (boolean v4 : new boolean[] {true, false}) {
            int payload = 3 * 1000 + 333;
            byte[] frame = tcpSuperFrame(v4, payload, 3);
            int headers = 14 + (v4 ? 20 : 40) + 20;
            List<byte[]> segs = toPlain(withHeader(Offload.NEEDS_CSUM, v4 ? Offload.GSO_TCPV4 : Offload.GSO_TCPV6, headers,
                    1000, headers - 20, 16, frame));
            assertEquals(4, segs.size(), "3 full segments and the rest");
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (int i = 0; i < segs.size(); i++) {
                byte[] s = segs.get(i);
                int l4 = 14 + (v4 ? 20 : 40);
                int n = i < 3 ? 1000 : 333;
                assertEquals(headers + n, s.length);
                if (v4) {
                    assertEquals(headers - 14 + n, u16(s, 16), "IPv4 total length");
                    assertEquals(0x1234 + i, u16(s, 18), "IPv4 id counts up");
                } else {
                    assertEquals(20 + n, u16(s, 18), "IPv6 payload length");
                }
                long seq = ByteBuffer.wrap(s).getInt(l4 + 4) & 0xffff_ffffL;
                assertEquals((0xffff_ff00L + 1000L * i) & 0xffff_ffffL, seq, "sequence numbers, wrapping");
                int flags = s[l4 + 13] & 255;
                assertEquals(i == 0, (flags & 0x80) != 0, "CWR only on the first");
                assertEquals(i == 3, (flags & 0x09) == 0x09, "FIN and PSH only on the last");
                assertTrue((flags & 0x10) != 0, "ACK on all");
                assertTrue(checksumOk(s, v4), "checksums of segment " + i + (v4 ? " (IPv4)" : " (IPv6)"));
                joined.write(s, headers, n);
            }
            byte[] expected = new byte[payload];
            System.arraycopy(frame, headers, expected, 0, payload);
            assertArrayEquals(expected, joined.toByteArray());
        }
    }

    @Test
    void anUnfinishedChecksumIsFinished() {
        // a UDP/IPv4 datagram whose checksum field holds the pseudo-header sum, as the kernel leaves it
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + 8 + 5);
        f.put(new byte[12]).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) 33).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        f.putShort((short) 1000).putShort((short) 2000).putShort((short) 13).putShort((short) 0).put("hello".getBytes());
        long pseudo = Offload.sum(f, 26, 34, 0) + 17 + 13;
        f.putShort(40, (short) Offload.fold(pseudo));
        List<byte[]> out = toPlain(withHeader(Offload.NEEDS_CSUM, Offload.GSO_NONE, 0, 0, 34, 6, f.array()));
        assertEquals(1, out.size());
        ByteBuffer s = ByteBuffer.wrap(out.get(0));
        assertEquals(0xffff, Offload.fold(Offload.sum(s, 34, s.limit(), Offload.sum(s, 26, 34, 0) + 17 + 13)),
                "the finished UDP checksum verifies");
    }

    @Test
    void onlyHeadersThatFitTheirFrameArePassedOn() {
        byte[] frame = tcpSuperFrame(true, 2000, 1);
        int h = 54;
        assertTrue(valid(withHeader(1, Offload.GSO_TCPV4, h, 1448, 34, 16, frame)));
        assertTrue(valid(withHeader(0, 0, 0, 0, 0, 0, frame)), "a plain frame");
        assertTrue(valid(withHeader(2, 0, 0, 0, 0, 0, frame)), "checksum already checked");
        assertFalse(valid(withHeader(8, 0, 0, 0, 0, 0, frame)), "unknown flag");
        assertFalse(valid(withHeader(1, 3, h, 1448, 34, 6, frame)), "UFO is not passed on");
        assertFalse(valid(withHeader(0, Offload.GSO_TCPV4, h, 1448, 34, 16, frame)), "a super-frame needs NEEDS_CSUM");
        assertFalse(valid(withHeader(1, Offload.GSO_TCPV4, h, 0, 34, 16, frame)), "segment size 0");
        assertFalse(valid(withHeader(1, Offload.GSO_TCPV4, h, 8, 34, 16, frame)), "tiny segments");
        assertFalse(valid(withHeader(1, 0, 0, 0, frame.length - 1, 0, frame)), "checksum beyond the frame");
        assertFalse(valid(withHeader(1, 0, 0, 0, 4, 0, frame)), "checksum inside the Ethernet header");
        assertFalse(valid(withHeader(0, 0x80, 0, 0, 0, 0, frame)), "ECN without GSO");
        assertFalse(valid(withHeader(0, 0, 0, 0, 0, 0, new byte[13])), "shorter than an Ethernet header");
        assertTrue(Offload.plain(ByteBuffer.wrap(withHeader(2, 0, 0, 0, 0, 0, frame)), 0));
        assertFalse(Offload.plain(ByteBuffer.wrap(withHeader(1, 0, 0, 0, 34, 16, frame)), 0));
    }

    private static boolean valid(byte[] b) {
        return Offload.valid(ByteBuffer.wrap(b), 0, b.length);
    }
}
