package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Frames come from the TAP and from peers: clamping and answering never throw, read past the frame, or write past the answer's room. */
class TooBigFuzzTest {

    private final ByteBuffer out = ByteBuffer.allocate(14 + 1280 + 16);

    @FuzzTest(maxDuration = "10m")
    void clampingAndAnsweringNeverThrowNorOverrun(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int mtu = 500 + (input[0] & 255) * 8;
        ByteBuffer b = ByteBuffer.wrap(input, 0, input.length).slice();
        int limit = b.limit();
        TooBig.clampMss(b, 1, limit, mtu, (input[1] & 1) != 0);
        TooBig.unfragmentable(b, 1, limit);
        out.clear().position(8);
        int n = TooBig.answer(b, 1, limit, mtu, out);
        if (n < 0 || n > out.capacity() - 8 || (n > 0 && out.position() != 8 + n)) {
            throw new AssertionError("an answer of " + n + " bytes ending at " + out.position());
        }
    }
}
