package io.subutai.p2p.transport.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** What a server sends down a plain stream, taken apart however TCP cut it. */
class PlainFramingTest {

    /** Feeds {@code stream} in pieces of {@code cuts} bytes (the last piece: the rest) and returns the datagrams. */
    private static List<byte[]> decode(byte[] stream, int... cuts) {
        EmbeddedChannel ch = new EmbeddedChannel(new PlainFraming());
        int at = 0;
        for (int cut : cuts) {
            int n = Math.min(cut, stream.length - at);
            ch.writeInbound(Unpooled.copiedBuffer(stream, at, n));
            at += n;
        }
        if (at < stream.length) {
            ch.writeInbound(Unpooled.copiedBuffer(stream, at, stream.length - at));
        }
        List<byte[]> out = new ArrayList<>();
        for (ByteBuf b; (b = ch.readInbound()) != null;) {
            out.add(ByteBufUtil.getBytes(b));
            b.release();
        }
        ch.finishAndReleaseAll();
        return out;
    }

    @Test
    void datagramsComeWholeAndKeepalivesAreSkipped() {
        byte[] stream = {0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 1, 9, 0, 2, 7};
        List<byte[]> d = decode(stream, 1, 1, 3, 4, 1);
        assertEquals(2, d.size()); // the last datagram is not whole yet
        assertArrayEquals(new byte[] {1, 2, 3}, d.get(0));
        assertArrayEquals(new byte[] {9}, d.get(1));
        assertEquals(3, decode(new byte[] {0, 1, 5, 0, 1, 6, 0, 1, 7}, 9).size()); // several in one read
    }

    @Test
    void aDatagramOfTheLargestSizePasses() {
        byte[] stream = new byte[2 + 65_535];
        stream[0] = (byte) 0xff;
        stream[1] = (byte) 0xff;
        stream[100] = 42;
        List<byte[]> d = decode(stream, 1000, 30_000);
        assertEquals(1, d.size());
        assertEquals(65_535, d.get(0).length);
        assertEquals(42, d.get(0)[98]);
    }

    @Test
    void nothingIsLeftOverWhenTheStreamEnds() {
        EmbeddedChannel ch = new EmbeddedChannel(new PlainFraming());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 5, 1, 2}));
        assertNull(ch.readInbound());
        assertFalse(ch.finish()); // the half datagram goes with the stream
    }

    /** A reading of the framing written out plainly: what the decoder must give, however the bytes come. */
    private static List<byte[]> reference(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (stream.length - at >= 2) {
            int n = (stream[at] & 255) << 8 | stream[at + 1] & 255;
            if (stream.length - at - 2 < n) {
                break;
            }
            if (n > 0) {
                out.add(java.util.Arrays.copyOfRange(stream, at + 2, at + 2 + n));
            }
            at += 2 + n;
        }
        return out;
    }

    @FuzzTest(maxDuration = "10m")
    void anyStreamCutAnyWayGivesTheDatagramsItFrames(FuzzedDataProvider data) {
        int[] cuts = new int[data.consumeInt(0, 8)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(0, 64);
        }
        byte[] stream = data.consumeRemainingAsBytes();
        List<byte[]> expected = reference(stream);
        List<byte[]> got = decode(stream, cuts);
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertArrayEquals(expected.get(i), got.get(i));
        }
    }
}
