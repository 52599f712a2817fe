package io.subutai.p2p.crypto.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AeadSessionTest {

    /** A DATA packet's header and receiver index (docs/protocol.md §5): version 3, type 4, reserved 0, index 0x01020304. */
    private static final long HEADER = 0x0304_0000_0102_0304L;
    private static final byte[] K1 = new byte[32];
    private static final byte[] K2 = new byte[32];

    static {
        K1[0] = 1;
        K2[0] = 2;
    }

    private static ByteBuffer seal(AeadSession s, String text) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        s.seal(HEADER, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), out);
        return out.flip();
    }

    private static String open(AeadSession s, ByteBuffer sealed) {
        ByteBuffer out = ByteBuffer.allocate(2048);
        return s.open(HEADER, sealed.duplicate(), out) ? new String(out.array(), 0, out.position(), StandardCharsets.UTF_8) : null;
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void forgedModifiedAndReplayedPacketsAreRefusedAndChangeNothing(Aead aead) throws GeneralSecurityException {
        AeadSession a = new AeadSession(aead, K1, K2, 0);
        AeadSession b = new AeadSession(aead, K2, K1, 0);
        ByteBuffer p0 = seal(a, "zero");
        ByteBuffer p1 = seal(a, "one");
        assertEquals(8 + 4 + 16, p0.remaining(), "counter, text, tag");
        assertEquals(1, p1.getLong(0), "counters count");

        ByteBuffer modified = ByteBuffer.allocate(p1.remaining()).put(p1.duplicate()).flip();
        modified.put(10, (byte) (modified.get(10) ^ 0x40));
        assertEquals(null, open(b, modified), "a modified packet");
        ByteBuffer forged = ByteBuffer.allocate(40).putLong(7).put(new byte[32]).flip();
        assertEquals(null, open(b, forged), "a forged packet");
        ByteBuffer wrongCounter = ByteBuffer.allocate(p1.remaining()).put(p1.duplicate()).flip();
        wrongCounter.putLong(0, 99);
        assertEquals(null, open(b, wrongCounter), "a packet moved to another counter");
        assertEquals(null, open(b, ByteBuffer.allocate(5)), "a runt");

        assertEquals("one", open(b, p1), "the genuine packet with the same counter still opens");
        assertEquals("zero", open(b, p0), "out of order, within the window");
        assertEquals(null, open(b, p1), "a replay");
        assertEquals(null, open(b, p0), "a replay");
        assertEquals(null, open(a, seal(a, "own")), "a session does not open what it sealed itself");
        assertEquals("reply", open(a, seal(b, "reply")));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void directBuffersAsOnTheDataPath(Aead aead) throws GeneralSecurityException {
        AeadSession a = new AeadSession(aead, K1, K2, 0);
        AeadSession b = new AeadSession(aead, K2, K1, 0);
        ByteBuffer frame = ByteBuffer.allocateDirect(1500);
        for (int i = 0; i < 1500; i++) {
            frame.put((byte) i);
        }
        ByteBuffer sealed = ByteBuffer.allocateDirect(1600);
        ByteBuffer opened = ByteBuffer.allocateDirect(1600);
        for (int round = 0; round < 3; round++) {
            frame.flip();
            sealed.clear();
            a.seal(HEADER, frame, sealed);
            sealed.flip();
            opened.clear();
            assertTrue(b.open(HEADER, sealed, opened));
            opened.flip();
            assertEquals(1500, opened.remaining());
            assertEquals((byte) 1499, opened.get(1499));
            frame.limit(1500).position(1500);
        }
        // sizes that grow and shrink (the session's arrays follow), and a tampered one that changes nothing
        for (int size : new int[] {64, 1500, 20, 1400}) {
            sealed.clear();
            a.seal(HEADER, frame.limit(size).position(0), sealed);
            sealed.flip();
            ByteBuffer tampered = ByteBuffer.allocateDirect(sealed.remaining()).put(sealed.duplicate()).flip();
            tampered.put(tampered.limit() - 1, (byte) (tampered.get(tampered.limit() - 1) ^ 1));
            opened.clear();
            assertFalse(b.open(HEADER, tampered, opened));
            assertEquals(0, tampered.position(), "a refused packet is left as it was");
            assertEquals(0, opened.position());
            assertTrue(b.open(HEADER, sealed, opened));
            assertEquals(size, opened.flip().remaining());
            assertEquals(frame.duplicate().position(0).limit(size), opened);
        }
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void rekeyIsDueAfterTwoMinutes(Aead aead) throws GeneralSecurityException {
        AeadSession s = new AeadSession(aead, K1, K2, 1_000);
        assertFalse(s.rekeyDue(1_000 + AeadSession.REKEY_AFTER_NANOS - 1));
        assertTrue(s.rekeyDue(1_000 + AeadSession.REKEY_AFTER_NANOS));
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void aPacketWhoseHeaderChangedDoesNotOpen(Aead aead) throws GeneralSecurityException {
        AeadSession a = new AeadSession(aead, K1, K2, 0);
        AeadSession b = new AeadSession(aead, K2, K1, 0);
        for (int bit = 0; bit < 64; bit++) { // every bit: version, type, the reserved ones, the index
            ByteBuffer sealed = seal(a, "frame");
            ByteBuffer out = ByteBuffer.allocate(2048);
            assertFalse(b.open(HEADER ^ 1L << bit, sealed.duplicate(), out), "header bit " + bit + " flipped");
            assertEquals(0, out.position(), "nothing written");
            assertEquals("frame", open(b, sealed), "the same packet with its header as sealed opens");
        }
    }

    @ParameterizedTest
    @EnumSource(Aead.class)
    void aForgedPacketWithTheNextCounterDoesNotKeepTheGenuineOneOut(Aead aead) throws GeneralSecurityException {
        AeadSession a = new AeadSession(aead, K1, K2, 0);
        AeadSession b = new AeadSession(aead, K2, K1, 0);
        ByteBuffer genuine = seal(a, "frame");
        ByteBuffer forged = ByteBuffer.wrap(genuine.array().clone()).limit(genuine.limit());
        forged.put(AeadSession.COUNTER_LEN, (byte) (forged.get(AeadSession.COUNTER_LEN) ^ 1));
        assertEquals(null, open(b, forged), "the forgery (same counter) does not open");
        assertEquals("frame", open(b, genuine), "the genuine packet still does (ChaCha20-Poly1305 of the JDK refused it)");
    }
}
