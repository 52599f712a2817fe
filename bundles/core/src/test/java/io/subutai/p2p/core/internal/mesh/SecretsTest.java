package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The network's secrets stretched with Argon2id, and what derives from them (docs/protocol.md, "Secrets"). */
class SecretsTest {

    @Test
    void argon2idIsRfc9106s() {
        byte[] password = filled(32, 1);
        byte[] tag = Secrets.argon2id(password, filled(16, 2), 32, 3, 4, filled(8, 3), filled(12, 4), 32);
        assertEquals("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", HexFormat.of().formatHex(tag),
                "RFC 9106 §5.3, the Argon2id test vector");
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void theStretchCostsWhatTheProtocolSaysAndOneGuessAsMuch() {
        assertEquals(16 * 1024, Secrets.MEMORY_KIB, "16 MiB");
        assertEquals(6, Secrets.ITERATIONS);
        assertEquals(1, Secrets.LANES);
        byte[] expected = Secrets.argon2id("abc".getBytes(StandardCharsets.UTF_8), Secrets.SALT, Secrets.MEMORY_KIB,
                Secrets.ITERATIONS, Secrets.LANES, null, null, Secrets.LENGTH);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            assertArrayEquals(expected, Secrets.stretch("abc"), "a six-byte secret pays the full cost too");
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.println("Argon2id, 16 MiB, 6 passes: " + best / 1_000_000 + " ms per stretch (one guess)");
        assertTrue(best < 1_000_000_000L, "one stretch took " + best / 1_000_000 + " ms; the budget is 250 ms");
    }

    @Test
    void theNetworkIdIsNoLongerADigestOfTheHash() throws Exception {
        String id = Secrets.networkId(Secrets.stretch("my-network"));
        assertEquals(32, id.length(), "16 bytes in hex");
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (String label : new String[] {"p2p network id v1", "p2p network id v3"}) {
            d.update(label.getBytes(StandardCharsets.US_ASCII));
            String raw = HexFormat.of().formatHex(d.digest("my-network".getBytes(StandardCharsets.UTF_8)), 0, 16);
            assertNotEquals(raw, id, "a guess of the hash costs an Argon2id, not a digest");
        }
        assertEquals(id, Secrets.networkId(Secrets.stretch("my-network")), "every member derives the same");
        assertNotEquals(id, Secrets.networkId(Secrets.stretch("my-network2")));
    }
}
