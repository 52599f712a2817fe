package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Offload headers come from peers: whatever they say, checking and cutting them never throws or overruns. */
class OffloadFuzzTest {

    private final ByteBuffer scratch = ByteBuffer.allocateDirect(io.subutai.p2p.spi.TapDevice.MAX_FRAME);

    @FuzzTest(maxDuration = "10m")
    void checkingAndCuttingNeverThrow(byte[] input) {
        ByteBuffer b = ByteBuffer.allocateDirect(input.length + 3);
        b.position(3);
        b.put(input);
        int from = 3;
        int to = 3 + input.length;
        if (to - from < Offload.HEADER || !Offload.valid(b, from, to)) {
            return;
        }
        int[] total = new int[1];
        int n = Offload.toPlain(b, from, to, scratch, seg -> {
            if (seg.position() != 0 || seg.limit() > scratch.capacity()) {
                throw new AssertionError("a segment outside the scratch buffer");
            }
            total[0] += seg.remaining();
        });
        if (n < 0 || (n > 0 && total[0] < to - from - Offload.HEADER)) {
            throw new AssertionError("segments carry less than the frame: " + total[0]);
        }
    }
}
