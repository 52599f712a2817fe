package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

class WireTest {

    private static final byte[] KEY = new byte[32];

    private static ByteBuffer packet(int version, int type, int reserved, int length) {
        byte[] header = {(byte) version, (byte) type, (byte) (reserved >> 8), (byte) reserved};
        byte[] b = new byte[length];
        System.arraycopy(header, 0, b, 0, Math.min(4, length));
        return ByteBuffer.wrap(b);
    }

    @Test
    void wellFormedPacketsAreClassified() {
        assertEquals(Wire.HANDSHAKE_INIT, Wire.classify(packet(Wire.VERSION, 1, 0, Wire.INIT_MIN)));
        assertEquals(Wire.HANDSHAKE_RESP, Wire.classify(packet(Wire.VERSION, 2, 0, Wire.RESP_MIN)));
        assertEquals(Wire.DATA, Wire.classify(packet(Wire.VERSION, 4, 0, Wire.DATA_MIN)));
        assertEquals(Wire.DATA, Wire.classify(packet(Wire.VERSION, 4, 0, 1500)));
        assertEquals(Wire.LAN_BEACON, Wire.classify(packet(Wire.VERSION, 5, 0, Wire.BEACON)));
        assertEquals(Wire.COOKIE_REPLY, Wire.classify(packet(Wire.VERSION, 3, 0, Macs.COOKIE_REPLY)));
    }

    @Test
    void theDataHeaderAsALongIsTheBytesOnTheWire() {
        ByteBuffer b = ByteBuffer.allocate(8);
        Wire.header(b, Wire.DATA);
        b.putInt(0xfedcba98);
        assertEquals(b.getLong(0), Wire.dataHeader(0xfedcba98));
    }

    @Test
    void everythingElseIsDropped() {
        assertEquals(Wire.DROP, Wire.classify(ByteBuffer.allocate(0)));
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 4, 0, 3)));
        assertEquals(Wire.DROP, Wire.classify(packet(1, 4, 0, 100)), "version 1, which had no suites");
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 4, 1, 100)), "reserved bits set");
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 10, 0, 100)), "unknown type");
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 9, 0, Wire.REFUSED_MIN - 1)), "a refusal cut short");
        ByteBuffer claimsMore = refusal(Wire.REFUSED_UNAVAILABLE, 1, 2);
        claimsMore.put(claimsMore.position() + Wire.HEADER + Wire.INDEX + 1, (byte) 3);
        assertEquals(Wire.DROP, Wire.classify(claimsMore), "a refusal that lists more suites than it carries");
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 3, 0, Macs.COOKIE_REPLY + 1)), "a cookie reply has one size");
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 3, 0, Macs.COOKIE_REPLY - 1)));
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 1, 0, Wire.INIT_MIN - 1)));
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 2, 0, Wire.RESP_MIN - 1)));
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 4, 0, Wire.DATA_MIN - 1)));
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 1, 0, Wire.HANDSHAKE_MAX + 1)), "oversized handshake");
        assertEquals(Wire.DROP, Wire.classify(packet(Wire.VERSION, 5, 0, Wire.BEACON + 1)), "a beacon has one size");
    }

    @Test
    void aRefusalSaysWhyAndWhichSuitesItsSenderTakes() {
        ByteBuffer r = refusal(Wire.REFUSED_POLICY, 2);
        assertEquals(Wire.HANDSHAKE_REFUSED, Wire.classify(r));
        assertEquals(Wire.REFUSED_POLICY, Wire.refusedReason(r));
        assertArrayEquals(new int[] {2}, Wire.refusedSuites(r));
        assertEquals(Wire.HANDSHAKE_REFUSED, Wire.classify(refusal(Wire.REFUSED_UNAVAILABLE)), "one that takes none");
    }

    /** A HANDSHAKE_REFUSED with this reason and these suites. */
    private static ByteBuffer refusal(int reason, int... suites) {
        ByteBuffer b = ByteBuffer.allocate(Wire.REFUSED_MAX);
        Wire.header(b, Wire.HANDSHAKE_REFUSED);
        b.putInt(42).put((byte) reason).put((byte) suites.length);
        for (int s : suites) {
            b.put((byte) s);
        }
        return b.flip();
    }

    @Test
    void classifyLooksAtPositionToLimitOnly() {
        ByteBuffer b = ByteBuffer.allocate(200);
        b.position(50);
        Wire.header(b, Wire.DATA);
        b.limit(50 + Wire.DATA_MIN).position(50);
        assertEquals(Wire.DATA, Wire.classify(b));
        assertEquals(50, b.position(), "not moved");
    }

    @FuzzTest(maxDuration = "10m")
    void classifyNeverThrows(byte[] input) {
        int t = Wire.classify(ByteBuffer.wrap(input));
        if (t != Wire.DROP && (input[0] != Wire.VERSION || input.length < Wire.HEADER)) {
            throw new AssertionError("accepted a packet of version " + input[0]);
        }
        if (t == Wire.HANDSHAKE_REFUSED) { // what is accepted is read within its bounds
            Wire.refusedReason(ByteBuffer.wrap(input));
            Wire.refusedSuites(ByteBuffer.wrap(input));
        }
        if (t == Wire.HANDSHAKE_INIT || t == Wire.HANDSHAKE_RESP) { // the MACs at its end are within it
            ByteBuffer b = ByteBuffer.wrap(input);
            Macs.valid(KEY, b, 0, input.length - Wire.MAC);
            Macs.zero(b, input.length - Wire.MAC);
        }
        if (t == Wire.COOKIE_REPLY && Macs.openReply(KEY, ByteBuffer.wrap(input), new byte[Wire.MAC]) != null) {
            throw new AssertionError("a cookie reply nobody sealed opened");
        }
    }
}
