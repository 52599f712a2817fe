package io.subutai.p2p.wire.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** What a server's stream port hears first, and datagrams on a plain stream (docs/protocol.md §10). */
class StreamFramingTest {

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theFirstBytesTellTlsAWebSocketUpgradeAPlainStreamOrNothingOfOurs() {
        assertEquals(StreamFraming.Kind.TLS, StreamFraming.detect(ByteBuffer.wrap(new byte[] {0x16, 3, 1, 0, 5})));
        assertEquals(StreamFraming.Kind.HTTP, StreamFraming.detect(ascii("GET /p2p HTTP/1.1\r\n")));
        assertEquals(StreamFraming.Kind.PLAIN, StreamFraming.detect(ByteBuffer.wrap(StreamFraming.PREAMBLE)));
        assertEquals(StreamFraming.Kind.MORE, StreamFraming.detect(ascii("GE")), "could still be a GET");
        assertEquals(StreamFraming.Kind.MORE, StreamFraming.detect(ascii("P2PST")));
        assertEquals(StreamFraming.Kind.MORE, StreamFraming.detect(ByteBuffer.allocate(0)));
        assertEquals(StreamFraming.Kind.OTHER, StreamFraming.detect(ascii("POST / HTTP/1.1\r\n")));
        assertEquals(StreamFraming.Kind.OTHER, StreamFraming.detect(ascii("SSH-2.0-OpenSSH")));
        assertEquals(StreamFraming.Kind.OTHER, StreamFraming.detect(ascii("P2PSTRM\u0003")), "a plain stream of version 3");
        assertEquals(StreamFraming.Kind.OTHER, StreamFraming.detect(ByteBuffer.wrap(new byte[] {0x16, 2})), "not TLS");
        ByteBuffer at = ascii("xxGET ").position(2);
        assertEquals(StreamFraming.Kind.HTTP, StreamFraming.detect(at), "from the position");
        assertEquals(2, at.position(), "not moved");
    }

    @Test
    void datagramsComeApartAsTheyWereFramedWhateverTheReadsCutThem() throws Exception {
        ByteBuffer stream = ByteBuffer.allocate(4096);
        byte[][] sent = {"one".getBytes(StandardCharsets.US_ASCII), new byte[1400], "three".getBytes(StandardCharsets.US_ASCII)};
        sent[1][1399] = 9;
        StreamFraming.frame(ByteBuffer.wrap(sent[0]), stream);
        stream.putShort((short) 0); // a keepalive between them
        StreamFraming.frame(ByteBuffer.wrap(sent[1]), stream);
        StreamFraming.frame(ByteBuffer.wrap(sent[2]), stream);
        byte[] all = new byte[stream.flip().remaining()];
        stream.get(all);
        for (int cut = 1; cut < all.length; cut += 97) { // the reads end anywhere
            StreamFraming.Decoder d = new StreamFraming.Decoder(StreamFraming.MAX_DATAGRAM);
            ByteBuffer buffer = ByteBuffer.allocate(all.length);
            int got = 0;
            for (int from = 0; from < all.length; from += cut) {
                buffer.put(all, from, Math.min(cut, all.length - from)).flip();
                for (ByteBuffer next = d.next(buffer); next != null; next = d.next(buffer)) {
                    byte[] b = new byte[next.remaining()];
                    next.get(b);
                    assertArrayEquals(sent[got++], b, "datagram " + got + " with reads of " + cut);
                }
                buffer.compact();
            }
            assertEquals(3, got);
        }
    }

    @Test
    void aDatagramLongerThanTheDecoderTakesBreaksTheStream() throws Exception {
        ByteBuffer in = ByteBuffer.allocate(8).putShort((short) 1500).flip();
        StreamFraming.Decoder d = new StreamFraming.Decoder(1452);
        assertThrows(StreamFraming.BrokenStream.class, () -> d.next(in));
        assertNull(new StreamFraming.Decoder(1452).next(ByteBuffer.allocate(3).putShort((short) 2).flip()), "incomplete");
        assertThrows(IllegalArgumentException.class,
                () -> StreamFraming.frame(ByteBuffer.allocate(65_536), ByteBuffer.allocate(70_000)));
    }

    /** Whatever a client sends, detection and the decoder never throw but BrokenStream, and what they take is what was framed. */
    @FuzzTest(maxDuration = "10m")
    void anyBytesAreDetectedAndTakenApartWithoutSurprises(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        StreamFraming.Kind kind = StreamFraming.detect(in);
        if (in.position() != 0) {
            throw new AssertionError("detect moved the buffer");
        }
        if (kind == StreamFraming.Kind.PLAIN && input.length < StreamFraming.PREAMBLE.length) {
            throw new AssertionError("a plain stream without its whole preamble");
        }
        StreamFraming.Decoder d = new StreamFraming.Decoder(1500);
        int taken = 0;
        try {
            for (ByteBuffer next = d.next(in); next != null; next = d.next(in)) {
                if (next.remaining() < 1 || next.remaining() > 1500) {
                    throw new AssertionError("a datagram of " + next.remaining() + " bytes");
                }
                taken += StreamFraming.LENGTH + next.remaining();
            }
        } catch (StreamFraming.BrokenStream e) {
            return;
        }
        if (in.remaining() > 1 + 1500 + 1 || taken > input.length) {
            throw new AssertionError("left " + in.remaining() + " bytes unread");
        }
    }
}
