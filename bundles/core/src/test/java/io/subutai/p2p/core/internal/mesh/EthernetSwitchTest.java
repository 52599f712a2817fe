package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class EthernetSwitchTest {

    private final EthernetSwitch<String> sw = new EthernetSwitch<>();

    private static ByteBuffer frame(long dst, long src) {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        b.putShort((short) 0x0800);
        return b.position(60).flip();
    }

    private static final long A = 0x06_00_00_00_00_0aL;
    private static final long B = 0x06_00_00_00_00_0bL;
    private static final long C = 0x06_00_00_00_00_0cL;
    private static final long BROADCAST = 0xff_ff_ff_ff_ff_ffL;
    private static final long MULTICAST = 0x01_00_5e_00_00_01L;

    private static long mac(int i) {
        return 0x0600_0000_0000L + i;
    }

    @Test
    void learnsSourcesAndRoutesUnicastToThem() {
        assertNull(sw.route(frame(A, B), 0), "unknown: flood");
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, A), "peer-a", 0));
        assertEquals("peer-a", sw.route(frame(A, B), 1));
    }

    @Test
    void aPeerSendsFromItsPinnedMacOnlyAndNoOtherTakesIt() {
        assertTrue(sw.announce("peer-a", A, false, 0), "peer-a's peer info");
        assertEquals(EthernetSwitch.FOREIGN, sw.learn(frame(B, C), "peer-a", 1), "another source MAC from a non-bridge");
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, A), "peer-a", 2));
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(B, A), "peer-c", 3), "peer-a's MAC, sent by peer-c");
        assertFalse(sw.announce("peer-c", A, false, 4), "nor announced by it");
        long later = 10 * EthernetSwitch.AGE_NANOS;
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(B, A), "peer-c", later), "a pin never ages");
        assertEquals("peer-a", sw.route(frame(A, B), later), "its traffic still goes to peer-a");
        assertEquals(1, sw.size("peer-a"));
        assertEquals(0, sw.size("peer-c"), "peer-c got nothing, not even a pin of its own yet");
    }

    @Test
    void aPeerWithoutPeerInfoIsPinnedToItsFirstSource() {
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, A), "peer-a", 0));
        assertEquals(EthernetSwitch.FOREIGN, sw.learn(frame(B, C), "peer-a", 1));
        assertTrue(sw.announce("peer-a", C, false, 2), "its peer info moves the pin");
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, C), "peer-a", 3));
        assertEquals(EthernetSwitch.FOREIGN, sw.learn(frame(B, A), "peer-a", 4));
        assertNull(sw.route(frame(A, B), 5), "the old pin is gone");
    }

    @Test
    void aBridgeSendsFromManyMacsBoundToItAlone() {
        assertTrue(sw.announce("bridge", A, true, 0));
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, C), "bridge", 1), "a container behind it");
        assertEquals("bridge", sw.route(frame(C, B), 2));
        assertTrue(sw.announce("peer-b", B, false, 3));
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(A, B), "bridge", 4), "never another member's pinned MAC");
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(A, C), "peer-x", 5), "its containers are its");
        assertEquals(2, sw.size("bridge"));
    }

    @Test
    void noPeerSendsFromThisNodesOwnMac() {
        EthernetSwitch<String> mine = new EthernetSwitch<>(A);
        assertEquals(EthernetSwitch.TAKEN, mine.learn(frame(B, A), "peer-x", 0), "A is this node's MAC");
        assertFalse(mine.announce("peer-x", A, false, 0));
        assertEquals(0, mine.size());
    }

    @Test
    void broadcastAndMulticastFlood() {
        sw.learn(frame(B, A), "peer-a", 0);
        assertNull(sw.route(frame(BROADCAST, A), 0));
        assertNull(sw.route(frame(MULTICAST, A), 0));
        assertEquals(EthernetSwitch.MALFORMED, sw.learn(frame(B, MULTICAST), "peer-x", 0), "a multicast source is refused");
        assertEquals(EthernetSwitch.MALFORMED, sw.learn(frame(B, 0), "peer-x", 0), "a zero source is refused");
        assertEquals(EthernetSwitch.MALFORMED, sw.learn(ByteBuffer.allocate(10), "peer-x", 0), "a runt is refused");
        assertFalse(sw.announce("peer-x", MULTICAST, false, 0));
        assertEquals(1, sw.size());
    }

    @Test
    void bridgedMacsAgeOutAndMoveAndGoWithTheirPeer() {
        sw.announce("bridge-1", A, true, 0);
        sw.announce("bridge-2", B, true, 0);
        sw.learn(frame(B, C), "bridge-1", 0);
        assertEquals("bridge-1", sw.route(frame(C, B), EthernetSwitch.AGE_NANOS));
        assertNull(sw.route(frame(C, B), EthernetSwitch.AGE_NANOS + 1), "aged out: flood");
        assertEquals("bridge-1", sw.route(frame(A, B), EthernetSwitch.AGE_NANOS + 1), "a pin does not age");
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(A, C), "bridge-2", EthernetSwitch.AGE_NANOS), "seen lately");
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(A, C), "bridge-2", EthernetSwitch.AGE_NANOS + 1),
                "a container silent for the age may move to another bridge");
        assertEquals(1, sw.size("bridge-1"));
        assertEquals(2, sw.size("bridge-2"));
        sw.forget("bridge-2");
        assertNull(sw.route(frame(C, A), EthernetSwitch.AGE_NANOS + 2));
        assertNull(sw.route(frame(B, A), EthernetSwitch.AGE_NANOS + 2));
        assertEquals(1, sw.size());
    }

    @Test
    void forgettingAPeerForgetsAllItsMacsEvenWhenEntriesMove() {
        sw.announce("p", mac(100_000), true, 0);
        sw.announce("q", mac(100_001), true, 0);
        for (int i = 1; i <= 2000; i++) {
            sw.learn(frame(B, mac(i)), i % 2 == 0 ? "p" : "q", i);
        }
        sw.forget("p");
        assertEquals(1001, sw.size());
        for (int i = 1; i <= 2000; i++) {
            Object to = sw.route(frame(mac(i), B), 2001);
            assertEquals(i % 2 == 0 ? null : "q", to, "mac " + i);
        }
    }

    @Test
    void everyPeerKeepsItsPinWhateverBridgesFlood() {
        for (int i = 1; i <= EthernetSwitch.MAX_PINS - 4; i++) {
            assertTrue(sw.announce(("peer-" + i).intern(), mac(i), false, i));
        }
        for (int b = 0; b < 4; b++) { // four bridges of a member who mints identities, flooding made-up MACs
            assertTrue(sw.announce(("bridge-" + b).intern(), 0x0e00_0000_0000L + b, true, 0));
            for (int i = 1; i <= 5_000; i++) {
                sw.learn(frame(B, 0x0a00_0000_0000L + b * 100_000L + i), ("bridge-" + b).intern(), 10_000 + i);
            }
        }
        assertEquals(EthernetSwitch.PER_BRIDGE + 1, sw.size("bridge-0"), "held to its quota (and its pin)");
        assertTrue(sw.size() <= EthernetSwitch.CAPACITY);
        for (int i = 1; i <= EthernetSwitch.MAX_PINS - 4; i++) {
            assertEquals(("peer-" + i).intern(), sw.route(frame(mac(i), B), 1_000_000), "peer " + i + " keeps its MAC");
        }
        assertFalse(sw.announce("one-too-many", mac(999_999), false, 0), "pins are capped as peers are");
    }

    @Test
    void aBridgeThatFindsTheTableFullEvictsItsOwnOrAgedEntriesNeverAnothersLiveOnes() {
        for (int b = 0; b < 3; b++) {
            sw.announce(("bridge-" + b).intern(), 0x0e00_0000_0000L + b, true, 0);
            for (int i = 1; i <= EthernetSwitch.PER_BRIDGE; i++) {
                sw.learn(frame(B, 0x0a00_0000_0000L + b * 100_000L + i), ("bridge-" + b).intern(), 1);
            }
        }
        sw.announce("late", 0x0c00_0000_0000L, true, 2);
        assertEquals(EthernetSwitch.FULL, sw.learn(frame(B, 0x0c00_0000_0001L), "late", 3), "no room, none aged");
        assertEquals(EthernetSwitch.PER_BRIDGE + 1, sw.size("bridge-0"));
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, 0x0c00_0000_0001L), "late", EthernetSwitch.AGE_NANOS + 2),
                "an entry silent for the age makes room");
        assertEquals(2, sw.size("late"));
    }
}
