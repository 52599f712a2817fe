package io.subutai.p2p.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Ethernet frames for simulations: made-up ones with a sequence number, and TCP super-frames as a TAP with offloads makes them. */
public final class Frames {

    /** The broadcast MAC. */
    public static final long BROADCAST = 0xff_ff_ff_ff_ff_ffL;
    /** Bytes of a TAP's offload header (Linux's {@code struct virtio_net_hdr}). */
    public static final int OFFLOAD_HEADER = 10;
    public static final int NEEDS_CSUM = 1;
    public static final int GSO_TCPV4 = 1;

    private Frames() {
    }

    /** A frame from MAC {@code src} to {@code dst} of {@code size} bytes, carrying {@code seq} (EtherType 0x88b5, local experimental). */
    public static byte[] frame(long dst, long src, int seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(mac(dst)).put(mac(src)).putShort((short) 0x88b5).putInt(seq);
        for (int i = 18; i < size; i++) {
            b.put((byte) (seq + i));
        }
        return b.array();
    }

    /** The sequence number of a {@link #frame}. */
    public static int seq(byte[] frame) {
        return ByteBuffer.wrap(frame).getInt(14);
    }

    public static byte[] mac(long mac) {
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return m;
    }

    /** An offload header (little-endian) then the frame. */
    public static byte[] withOffloadHeader(int flags, int gso, int hdrLen, int gsoSize, int csumStart, int csumOffset,
            byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(OFFLOAD_HEADER + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) flags).put((byte) gso).putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart)
                .putShort((short) csumOffset).put(frame);
        return b.array();
    }

    /**
     * A TCP/IPv4 super-frame from 06:00:00:00:00:01 to 06:00:00:00:00:02 as a Linux TAP with
     * offloads hands it over: 54 bytes of headers, the TCP checksum field holding only the
     * pseudo-header's sum (still to be finished), then {@code payload} bytes.
     */
    public static byte[] tcpSuperFrame(int payload, int seed) {
        int headers = 54;
        ByteBuffer f = ByteBuffer.allocate(headers + payload);
        f.put(new byte[] {6, 0, 0, 0, 0, 2, 6, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (headers - 14 + payload)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1}).put(new byte[] {10, 0, 0, 2});
        f.putShort((short) 40000).putShort((short) 5201).putInt(0xffff_ff00).putInt(77).put((byte) 0x50)
                .put((byte) (0x80 | 0x10 | 0x08 | 0x01)).putShort((short) 500).putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            f.put((byte) (i * 7 + seed));
        }
        return f.array();
    }

    /** Whether the TCP checksum of an IPv4 segment (Ethernet frame, no VLAN tag) is right. */
    public static boolean tcpChecksumOk(byte[] segment) {
        int ip = 14;
        int tcp = ip + (segment[ip] & 15) * 4;
        long sum = 6 + (segment.length - tcp);
        sum = ones(segment, ip + 12, ip + 20, sum); // source and destination address
        sum = ones(segment, tcp, segment.length, sum);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }

    private static long ones(byte[] b, int from, int to, long sum) {
        for (int i = from; i < to; i += 2) {
            sum += (b[i] & 255) << 8 | (i + 1 < to ? b[i + 1] & 255 : 0);
        }
        return sum;
    }
}
