package io.subutai.p2p.wire.dht;

import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Endpoint records from the wire: decoded only as they encode, never an exception (one fuzz test per class). */
class DhtRecordFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void recordsDecodeOnlyAsTheyEncode(byte[] input) {
        DhtRecord r = DhtRecord.decode(input);
        if (r != null && !Arrays.equals(r.encode(), input)) {
            throw new AssertionError("accepted bytes that are not the record they decode to");
        }
    }
}
