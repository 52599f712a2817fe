package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class KeyQueueTest {

    private static String current(KeyQueue q, long now) {
        return q.current(now).map(k -> new String(k.secret(), StandardCharsets.UTF_8)).orElse("none");
    }

    @Test
    void theNextKeyTakesOverAtTheTtl() {
        KeyQueue q = new KeyQueue();
        q.add("first", 1000);
        q.add("second", 2000);
        assertEquals("first", current(q, 0));
        assertEquals("first", current(q, 999));
        assertEquals("second", current(q, 1000), "at its TTL a key is over");
        assertEquals("second", current(q, 1999));
        assertEquals("none", current(q, 2000), "no valid key: no new handshake");
    }

    @Test
    void aroundASwitchBothKeysAreAccepted() {
        KeyQueue q = new KeyQueue();
        q.add("first", 1000);
        q.add("second", 2000);
        int first = KeyQueue.id("first".getBytes(StandardCharsets.UTF_8));
        int second = KeyQueue.id("second".getBytes(StandardCharsets.UTF_8));
        assertTrue(q.accepted(first, 500).isPresent());
        assertTrue(q.accepted(second, 500).isEmpty(), "long before the switch: only the current key");
        assertTrue(q.accepted(second, 1000 - KeyQueue.GRACE_SECONDS).isPresent(), "just before the switch");
        assertTrue(q.accepted(first, 1000 + KeyQueue.GRACE_SECONDS - 1).isPresent(), "just after the switch");
        assertTrue(q.accepted(first, 1000 + KeyQueue.GRACE_SECONDS).isEmpty(), "grace over");
        assertTrue(q.accepted(KeyQueue.id("other".getBytes(StandardCharsets.UTF_8)), 500).isEmpty());
        assertTrue(q.accepted(second, 2000 + KeyQueue.GRACE_SECONDS - 1).isPresent(), "the last key, just ended");
        assertTrue(q.accepted(second, 2000 + KeyQueue.GRACE_SECONDS).isEmpty());
    }

    @Test
    void addingTheSameKeyTwiceKeepsOneAndPruneForgetsOldKeys() {
        KeyQueue q = new KeyQueue();
        q.add("k", 1000);
        q.add("k", 1000);
        q.add("k", 3000);
        assertEquals(2, q.size());
        q.prune(1000 + KeyQueue.GRACE_SECONDS);
        assertEquals(1, q.size());
        assertEquals("k", current(q, 2000));
    }

    @Test
    void aKeyAddedAfterOneWithoutTimeWaitsForever() {
        KeyQueue q = new KeyQueue();
        q.add("forever", Long.MAX_VALUE);
        q.add("later", 3000);
        assertEquals("forever", current(q, 0), "a queue: the first valid key, not the earliest-ending");
        assertTrue(q.accepted(KeyQueue.id("forever".getBytes(StandardCharsets.UTF_8)), 2990).isPresent());
    }

    @Test
    void aNetworkWithoutKeyUsesItsHashForever() {
        KeyQueue q = new KeyQueue();
        q.add("the-hash", Long.MAX_VALUE);
        assertEquals("the-hash", current(q, 4_000_000_000L));
    }
}
