package io.subutai.p2p.control.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;

/**
 * The control API's request parser on arbitrary bytes: it answers with a map of plain values or a
 * {@link ControlApi.BadRequest}, nothing else. Under {@code mvn test} this replays the corpus in
 * {@code src/test/resources/.../ControlApiFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class ControlApiFuzzTest {

    private static final JsonFactory JSON = new JsonFactory();

    @FuzzTest(maxDuration = "10m")
    void requestBodiesParseOrAreRefused(byte[] input) {
        try {
            Map<String, Object> body = ControlApi.parseBody(JSON, input);
            for (Object v : body.values()) {
                assertTrue(v == null || v instanceof String || v instanceof Boolean || v instanceof Number,
                        "only plain values: " + v);
            }
        } catch (ControlApi.BadRequest expected) {
            assertTrue(!expected.getMessage().isEmpty());
        }
    }
}
