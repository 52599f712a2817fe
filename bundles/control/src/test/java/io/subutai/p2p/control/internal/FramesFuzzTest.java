package io.subutai.p2p.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The control protocol's header lines on arbitrary bytes: a request (or a client nonce) within
 * the limits, or a {@link Frames.BadFrame} with a message, nothing else. Under {@code mvn test}
 * this replays the corpus in {@code src/test/resources/.../FramesFuzzTestInputs}; {@code JAZZER_FUZZ=1}
 * fuzzes for real.
 */
class FramesFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void headerLinesParseOrAreRefused(byte[] input) {
        try {
            Frames.Request r = Frames.parseRequest(input, ControlApi.MAX_BODY);
            assertTrue(r.command().matches("[a-z]{1,16}"), r.command());
            assertTrue(r.length() >= 0 && r.length() <= ControlApi.MAX_BODY);
            assertTrue(r.proof() == null || r.proof().length == 32);
        } catch (Frames.BadFrame expected) {
            assertFalse(expected.getMessage().isEmpty());
        }
        try {
            assertEquals(Frames.NONCE, Frames.parseHello(input).length);
        } catch (Frames.BadFrame expected) {
            assertFalse(expected.getMessage().isEmpty());
        }
    }
}
