package io.subutai.p2p.wire.lan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** The LAN beacon of docs/protocol.md §6: exactly 54 bytes, or nothing. */
class BeaconTest {

    private static final String ID = "00112233445566778899aabbccddeeff";

    private static byte[] key() {
        byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (i * 3);
        }
        return k;
    }

    @Test
    void aBeaconRoundTrips() {
        byte[] bytes = new Beacon(ID, key(), 52001).encode();
        assertEquals(Beacon.SIZE, bytes.length);
        assertEquals(io.subutai.p2p.wire.Header.VERSION, bytes[0]);
        assertEquals(5, bytes[1]);
        Beacon b = Beacon.decode(bytes, bytes.length);
        assertEquals(ID, b.networkId());
        assertArrayEquals(key(), b.staticKey());
        assertEquals(52001, b.port());
    }

    @Test
    void anythingElseIsNoBeacon() {
        byte[] good = new Beacon(ID, key(), 65535).encode();
        assertEquals(65535, Beacon.decode(good, good.length).port(), "ports are unsigned");
        for (int at : new int[] {0, 1, 2, 3}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            assertNull(Beacon.decode(bad, bad.length), "header byte " + at);
        }
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertNull(Beacon.decode(longer, longer.length), "a byte too many");
        assertNull(Beacon.decode(good, good.length - 1), "a byte too few");
        byte[] noPort = new Beacon(ID, key(), 0).encode();
        assertNull(Beacon.decode(noPort, noPort.length), "port 0");
    }

    @FuzzTest(maxDuration = "30s")
    void decodingNeverThrowsAndWhatItAcceptsEncodesBackTheSame(byte[] input) {
        Beacon b = Beacon.decode(input, input.length);
        if (b != null && !java.util.Arrays.equals(b.encode(), input)) {
            throw new AssertionError("accepted bytes that are not the beacon they decode to");
        }
    }
}
