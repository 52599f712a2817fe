package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.subutai.p2p.spi.TapDevice;

/**
 * Frames with Linux's offload header in front ({@link TapDevice#offload()}): the 10-byte
 * {@code struct virtio_net_hdr}, little-endian. A TAP with offloads hands over TCP super-frames
 * of up to 64 KiB and frames whose transport checksum is still to be finished; a TAP with
 * offloads takes them as they are, so that between two such nodes one read, one write and a
 * burst of datagrams move what would otherwise be dozens of frames. For a TAP without offloads
 * this class does in software what a network card would: cuts a super-frame into segments and
 * finishes checksums.
 *
 * <p>Only what a node passes on is checked here; the kernel checks again what it is given.
 */
final class Offload {

    static final int HEADER = TapDevice.OFFLOAD_HEADER;
    static final int NEEDS_CSUM = 1;
    static final int DATA_VALID = 2;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;
    /** The smallest segment size a super-frame may ask for. */
    static final int MIN_SEGMENT = 64;

    private static final int ETH = 14;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private Offload() {
    }

    private static int u16le(ByteBuffer b, int at) {
        return (b.get(at) & 255) | (b.get(at + 1) & 255) << 8;
    }

    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 255) << 8 | (b.get(at + 1) & 255);
    }

    /** Whether the header at {@code from} asks nothing of the receiver: a plain frame follows. */
    static boolean plain(ByteBuffer b, int from) {
        return (b.get(from) & NEEDS_CSUM) == 0 && b.get(from + 1) == GSO_NONE;
    }

    /**
     * Whether the header at {@code from} fits the frame after it, up to {@code to}: known flags and
     * GSO types only, a checksum to finish inside the frame, and a super-frame only of TCP whose
     * segment size and headers make sense.
     */
    static boolean valid(ByteBuffer b, int from, int to) {
        int frame = to - from - HEADER;
        if (frame < ETH) {
            return false;
        }
        int flags = b.get(from) & 255;
        int gso = b.get(from + 1) & 255;
        int type = gso & ~GSO_ECN;
        if ((flags & ~(NEEDS_CSUM | DATA_VALID)) != 0 || type != GSO_NONE && type != GSO_TCPV4 && type != GSO_TCPV6) {
            return false;
        }
        int csumStart = u16le(b, from + 6);
        int csumOffset = u16le(b, from + 8);
        if ((flags & NEEDS_CSUM) != 0 && (csumStart < ETH || csumStart + csumOffset + 2 > frame)) {
            return false;
        }
        if (type == GSO_NONE) {
            return gso == GSO_NONE;
        }
        int gsoSize = u16le(b, from + 4);
        // segments smaller than MIN_SEGMENT would only multiply the work a peer can cause
        return (flags & NEEDS_CSUM) != 0 && gsoSize >= MIN_SEGMENT && u16le(b, from + 2) <= frame;
    }

    /**
     * Turns an offloaded frame (header at {@code from}, frame up to {@code to}, {@link #valid}) into
     * plain frames, each handed to {@code out} in {@code scratch} (position to limit, valid during
     * the call): a super-frame cut into segments with their lengths, sequence numbers, flags and
     * checksums; a frame with an unfinished checksum finished. {@code scratch} needs room for the
     * largest segment.
     *
     * @return the number of frames handed out; 0 when the super-frame is not one this code can cut
     */
    static int toPlain(ByteBuffer b, int from, int to, ByteBuffer scratch, Consumer<ByteBuffer> out) {
        int eth = from + HEADER;
        int flags = b.get(from) & 255;
        int type = b.get(from + 1) & ~GSO_ECN & 255;
        if (type == GSO_NONE) {
            scratch.clear();
            scratch.put(b.duplicate().limit(to).position(eth)).flip();
            if ((flags & NEEDS_CSUM) != 0) {
                finish(scratch, u16le(b, from + 6), u16le(b, from + 8));
            }
            out.accept(scratch);
            return 1;
        }
        int l3 = ETH;
        int etherType = u16(b, eth + 12);
        if (etherType == 0x8100) {
            if (eth + 18 > to) {
                return 0;
            }
            l3 += 4;
            etherType = u16(b, eth + 16);
        }
        boolean v4 = type == GSO_TCPV4;
        if (eth + l3 + 40 > to || etherType != (v4 ? 0x0800 : 0x86dd)) {
            return 0;
        }
        int l4;
        if (v4) {
            int ihl = (b.get(eth + l3) & 15) * 4;
            if (ihl < 20 || b.get(eth + l3 + 9) != 6) {
                return 0;
            }
            l4 = l3 + ihl;
        } else {
            if (b.get(eth + l3 + 6) != 6) {
                return 0; // extension headers: not cut here
            }
            l4 = l3 + 40;
        }
        if (eth + l4 + 20 > to) {
            return 0;
        }
        int headers = l4 + ((b.get(eth + l4 + 12) >> 4) & 15) * 4;
        int payload = to - eth - headers;
        int mss = u16le(b, from + 4);
        if (headers < l4 + 20 || payload <= 0 || scratch.capacity() < headers + Math.min(mss, payload)) {
            return 0;
        }
        long seq = b.getInt(eth + l4 + 4) & 0xffff_ffffL;
        int ipId = v4 ? u16(b, eth + l3 + 4) : 0;
        int tcpFlags = b.get(eth + l4 + 13) & 255;
        int count = 0;
        for (int off = 0; off < payload; off += mss, count++) {
            int n = Math.min(mss, payload - off);
            boolean first = off == 0;
            boolean last = off + n == payload;
            scratch.clear();
            scratch.put(b.duplicate().limit(eth + headers).position(eth));
            scratch.put(b.duplicate().limit(eth + headers + off + n).position(eth + headers + off));
            scratch.flip();
            if (v4) {
                scratch.putShort(l3 + 2, (short) (headers - l3 + n));
                scratch.putShort(l3 + 4, (short) (ipId + count));
                scratch.putShort(l3 + 10, (short) 0);
                scratch.putShort(l3 + 10, (short) ~fold(sum(scratch, l3, l4, 0)));
            } else {
                scratch.putShort(l3 + 4, (short) (headers - l4 + n));
            }
            scratch.putInt(l4 + 4, (int) (seq + off));
            int f = tcpFlags;
            if (!last) {
                f &= ~(TCP_FIN | TCP_PSH);
            }
            if (!first) {
                f &= ~TCP_CWR;
            }
            scratch.put(l4 + 13, (byte) f);
            scratch.putShort(l4 + 16, (short) 0);
            long pseudo = v4 ? sum(scratch, l3 + 12, l3 + 20, 0) : sum(scratch, l3 + 8, l3 + 40, 0);
            pseudo += 6 + (headers - l4 + n);
            scratch.putShort(l4 + 16, (short) ~fold(sum(scratch, l4, headers + n, pseudo)));
            out.accept(scratch);
        }
        return count;
    }

    /**
     * Finishes a checksum the sender left open: the 16-bit field at {@code start + offset} holds
     * the pseudo-header's sum; the one's complement of the sum from {@code start} to the end goes
     * there (0 as 0xffff when the field is UDP's, where 0 means "none").
     */
    static void finish(ByteBuffer frame, int start, int offset) {
        int sum = fold(sum(frame, start, frame.limit(), 0));
        int csum = ~sum & 0xffff;
        if (csum == 0 && offset == 6) {
            csum = 0xffff;
        }
        frame.putShort(start + offset, (short) csum);
    }

    /** The one's-complement sum (unfolded) of the bytes from {@code from} to {@code to}, added to {@code sum}. */
    static long sum(ByteBuffer b, int from, int to, long sum) {
        int i = from;
        for (; i + 1 < to; i += 2) {
            sum += (b.get(i) & 255) << 8 | (b.get(i + 1) & 255);
        }
        if (i < to) {
            sum += (b.get(i) & 255) << 8;
        }
        return sum;
    }

    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }
}
