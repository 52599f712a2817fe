package io.subutai.p2p.wire.lan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** The LAN beacon of docs/protocol.md §6: exactly 78 bytes, or nothing. */
class BeaconTest {

    private static final String ID = "00112233445566778899aabbccddeeff";

    private static byte[] key() {
        byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (i * 3);
        }
        return k;
    }

    private static byte[] tag() {
        byte[] t = new byte[Beacon.TAG];
        java.util.Arrays.fill(t, (byte) 0x5a);
        return t;
    }

    private static Beacon beacon(int port) {
        return Beacon.untagged(ID, key(), port, 1_800_000_000_123L).tagged(tag());
    }

    @Test
    void aBeaconRoundTrips() {
        byte[] bytes = beacon(52001).encode();
        assertEquals(Beacon.SIZE, bytes.length);
        assertEquals(io.subutai.p2p.wire.Header.VERSION, bytes[0]);
        assertEquals(5, bytes[1]);
        Beacon b = Beacon.decode(bytes, bytes.length);
        assertEquals(ID, b.networkId());
        assertArrayEquals(key(), b.staticKey());
        assertEquals(52001, b.port());
        assertEquals(1_800_000_000_123L, b.time());
        assertArrayEquals(tag(), b.tag());
        assertArrayEquals(java.util.Arrays.copyOf(bytes, Beacon.SIZE - Beacon.TAG), b.signed(), "the tag covers all before it");
    }

    @Test
    void anythingElseIsNoBeacon() {
        byte[] good = beacon(65535).encode();
        assertEquals(65535, Beacon.decode(good, good.length).port(), "ports are unsigned");
        for (int at : new int[] {0, 1, 2, 3}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            assertNull(Beacon.decode(bad, bad.length), "header byte " + at);
        }
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertNull(Beacon.decode(longer, longer.length), "a byte too many");
        assertNull(Beacon.decode(good, good.length - 1), "a byte too few");
        byte[] noPort = beacon(0).encode();
        assertNull(Beacon.decode(noPort, noPort.length), "port 0");
    }

    @FuzzTest(maxDuration = "10m")
    void decodingNeverThrowsAndWhatItAcceptsEncodesBackTheSame(byte[] input) {
        Beacon b = Beacon.decode(input, input.length);
        if (b != null && !java.util.Arrays.equals(b.encode(), input)) {
            throw new AssertionError("accepted bytes that are not the beacon they decode to");
        }
    }
}
