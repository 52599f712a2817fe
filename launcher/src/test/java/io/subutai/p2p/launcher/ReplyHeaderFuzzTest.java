package io.subutai.p2p.launcher;

import java.io.IOException;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The client's reading of a reply's header line on arbitrary bytes: a status and a length in
 * range, or an IOException, never another exception. (One fuzz test per class: Jazzer fuzzes one
 * per JVM.)
 */
class ReplyHeaderFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void replyHeaderLinesParseOrAreRefused(byte[] input) {
        try {
            int[] h = Client.replyHeader(input);
            if (h[0] < 100 || h[0] > 599 || h[1] < 0 || h[1] > Client.MAX_REPLY) {
                throw new AssertionError("out of range: " + h[0] + " " + h[1]);
            }
        } catch (IOException expected) {
            // reported to the user as "not p2p's answer"
        }
    }
}
