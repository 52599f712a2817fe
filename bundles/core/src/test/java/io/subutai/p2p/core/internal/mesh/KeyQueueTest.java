package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class KeyQueueTest {

    /** Keys are kept stretched: each name of these tests, stretched once. */
    private static final java.util.Map<String, byte[]> STRETCHED = new java.util.concurrent.ConcurrentHashMap<>();

    private static byte[] stretched(String key) {
        return STRETCHED.computeIfAbsent(key, Secrets::stretch);
    }

    private static int id(String key) {
        return Secrets.keyId(stretched(key));
    }

    /** The name of the current key (of those these tests use), or "none". */
    private static String current(KeyQueue q, long now) {
        return q.current(now).map(k -> STRETCHED.entrySet().stream().filter(e -> java.util.Arrays.equals(e.getValue(),
                k.secret())).map(java.util.Map.Entry::getKey).findFirst().orElse("unknown")).orElse("none");
    }

    private static void add(KeyQueue q, String key, long until) {
        q.addStretched(stretched(key), until);
    }

    @Test
    void keysAreKeptStretchedAndTheirIdsDeriveFromTheStretchedValueOnly() {
        KeyQueue q = new KeyQueue();
        q.add("abc", 1000); // as typed: stretched by the queue
        KeyQueue.Key k = q.current(0).orElseThrow();
        assertTrue(java.util.Arrays.equals(stretched("abc"), k.secret()), "the stretched key, not the typed one");
        assertEquals(id("abc"), k.id());
        assertTrue(k.id() != rawId("abc"), "not the digest of the key itself");
    }

    /** What a key id was before secrets were stretched: a digest of the key as typed. */
    private static int rawId(String key) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(("p2p key id v3" + key).getBytes(
                    StandardCharsets.UTF_8));
            return ((h[0] & 255) << 24) | ((h[1] & 255) << 16) | ((h[2] & 255) << 8) | (h[3] & 255);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theNextKeyTakesOverAtTheTtl() {
        KeyQueue q = new KeyQueue();
        add(q, "first", 1000);
        add(q, "second", 2000);
        assertEquals("first", current(q, 0));
        assertEquals("first", current(q, 999));
        assertEquals("second", current(q, 1000), "at its TTL a key is over");
        assertEquals("second", current(q, 1999));
        assertEquals("none", current(q, 2000), "no valid key: no new handshake");
    }

    @Test
    void aroundASwitchBothKeysAreAccepted() {
        KeyQueue q = new KeyQueue();
        add(q, "first", 1000);
        add(q, "second", 2000);
        int first = id("first");
        int second = id("second");
        assertTrue(q.accepted(first, 500).isPresent());
        assertTrue(q.accepted(second, 500).isEmpty(), "long before the switch: only the current key");
        assertTrue(q.accepted(second, 1000 - KeyQueue.GRACE_SECONDS).isPresent(), "just before the switch");
        assertTrue(q.accepted(first, 1000 + KeyQueue.GRACE_SECONDS - 1).isPresent(), "just after the switch");
        assertTrue(q.accepted(first, 1000 + KeyQueue.GRACE_SECONDS).isEmpty(), "grace over");
        assertTrue(q.accepted(id("other"), 500).isEmpty());
        assertTrue(q.accepted(second, 2000 + KeyQueue.GRACE_SECONDS - 1).isPresent(), "the last key, just ended");
        assertTrue(q.accepted(second, 2000 + KeyQueue.GRACE_SECONDS).isEmpty());
    }

    @Test
    void addingTheSameKeyTwiceKeepsOneAndPruneForgetsOldKeys() {
        KeyQueue q = new KeyQueue();
        add(q, "k", 1000);
        add(q, "k", 1000);
        add(q, "k", 3000);
        assertEquals(2, q.size());
        q.prune(1000 + KeyQueue.GRACE_SECONDS);
        assertEquals(1, q.size());
        assertEquals("k", current(q, 2000));
    }

    @Test
    void aKeyAddedAfterOneWithoutTimeWaitsForever() {
        KeyQueue q = new KeyQueue();
        add(q, "forever", Long.MAX_VALUE);
        add(q, "later", 3000);
        assertEquals("forever", current(q, 0), "a queue: the first valid key, not the earliest-ending");
        assertTrue(q.accepted(id("forever"), 2990).isPresent());
    }

    @Test
    void aNetworkWithoutKeyUsesItsHashForever() {
        KeyQueue q = new KeyQueue();
        add(q, "the-hash", Long.MAX_VALUE);
        assertEquals("the-hash", current(q, 4_000_000_000L));
    }
}
