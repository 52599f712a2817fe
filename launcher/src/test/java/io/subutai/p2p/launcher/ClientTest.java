package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ClientTest {

    @Test
    void encodesStringsBooleansAndNumbersEscaped() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hash", "a\"b\\c\n");
        m.put("fwd", true);
        m.put("port", 7);
        assertEquals("{\"hash\":\"a\\\"b\\\\c\\n\",\"fwd\":true,\"port\":7}",
                new String(Client.encode(m), StandardCharsets.UTF_8));
    }

    @Test
    void decodesRepliesAndRejectsForeignOnes() throws IOException {
        assertEquals(new Client.Reply(3, "o", "e"), decode("{\"err\":\"e\",\"code\":3,\"x\":{\"y\":[1]},\"out\":\"o\"}"));
        assertEquals(new Client.Reply(0, "", ""), decode("{\"code\":0}"));
        for (String bad : new String[] {"", "[]", "{\"out\":\"x\"}", "{\"code\":\"0\"}", "{\"code\":0", "<html>"}) {
            assertThrows(IOException.class, () -> decode(bad), bad);
        }
    }

    private static Client.Reply decode(String s) throws IOException {
        return Client.decode(s.getBytes(StandardCharsets.UTF_8));
    }
}
