package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
    private static final long BROADCAST = 0xff_ff_ff_ff_ff_ffL;
    private static final long MULTICAST = 0x01_00_5e_00_00_01L;

    @Test
    void learnsSourcesAndRoutesUnicastToThem() {
        assertNull(sw.route(frame(A, B), 0), "unknown: flood");
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, A), "peer-a", 0));
        assertEquals("peer-a", sw.route(frame(A, B), 1));
    }

    @Test
    void noMemberTakesOverAMacAnotherHoldsOnlyOneSilentForTheAgeMoves() {
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, A), "peer-a", 0));
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(B, A), "peer-c", 2), "peer-a's MAC, sent by peer-c");
        assertEquals("peer-a", sw.route(frame(A, B), 3), "its traffic still goes to peer-a");
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(B, A), "peer-c", EthernetSwitch.AGE_NANOS), "seen lately still");
        assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, A), "peer-c", EthernetSwitch.AGE_NANOS + 1),
                "a MAC silent for the age may move (a machine that moved)");
        assertEquals("peer-c", sw.route(frame(A, B), EthernetSwitch.AGE_NANOS + 2));
    }

    @Test
    void noPeerSendsFromThisNodesOwnMac() {
        EthernetSwitch<String> mine = new EthernetSwitch<>(A);
        assertEquals(EthernetSwitch.TAKEN, mine.learn(frame(B, A), "peer-x", 0), "A is this node's MAC");
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
        assertEquals(1, sw.size());
    }

    @Test
    void learnedMacsAgeOutAndGoWithTheirPeer() {
        sw.learn(frame(B, A), "peer-a", 0);
        assertEquals("peer-a", sw.route(frame(A, B), EthernetSwitch.AGE_NANOS));
        assertNull(sw.route(frame(A, B), EthernetSwitch.AGE_NANOS + 1), "aged out: flood");
        sw.learn(frame(A, B), "peer-b", 0);
        sw.forget("peer-b");
        assertNull(sw.route(frame(B, A), 1));
        assertEquals(1, sw.size());
    }

    @Test
    void forgettingAPeerForgetsAllItsMacsEvenWhenEntriesMove() {
        for (int i = 1; i <= 2000; i++) {
            sw.learn(frame(B, 0x0600_0000_0000L + i), i % 2 == 0 ? "p" : "q", i);
        }
        sw.forget("p");
        assertEquals(1000, sw.size());
        for (int i = 1; i <= 2000; i++) {
            Object to = sw.route(frame(0x0600_0000_0000L + i, B), 2001);
            assertEquals(i % 2 == 0 ? null : "q", to, "mac " + i);
        }
    }

    @Test
    void aFullTableEvictsTheStalestEntry() {
        for (int i = 1; i <= EthernetSwitch.CAPACITY; i++) {
            assertEquals(EthernetSwitch.LEARNED, sw.learn(frame(B, 0x0600_0000_0000L + i), "peer-" + i, i));
        }
        assertEquals(EthernetSwitch.CAPACITY, sw.size());
        sw.learn(frame(B, 0x0600_ffff_ffffL), "newcomer", EthernetSwitch.CAPACITY + 1);
        assertEquals(EthernetSwitch.CAPACITY, sw.size());
        assertNull(sw.route(frame(0x0600_0000_0001L, B), EthernetSwitch.CAPACITY + 2), "the oldest went");
        assertEquals("newcomer", sw.route(frame(0x0600_ffff_ffffL, B), EthernetSwitch.CAPACITY + 2));
        assertEquals("peer-2", sw.route(frame(0x0600_0000_0002L, B), EthernetSwitch.CAPACITY + 2));
        for (int i = 2; i <= EthernetSwitch.CAPACITY; i++) {
            assertEquals("peer-" + i, sw.route(frame(0x0600_0000_0000L + i, B), EthernetSwitch.CAPACITY + 2),
                    "entry " + i + " survives the re-seating");
        }
    }

    @Test
    void aPeerFloodingMadeUpMacsEvictsOnlyItsOwn() {
        for (int i = 1; i <= 50; i++) {
            sw.learn(frame(B, 0x0600_0000_0000L + i), "honest", i); // older than anything the flood brings
        }
        for (int i = 1; i <= 10_000; i++) {
            sw.learn(frame(B, 0x0a00_0000_0000L + i), "flooder", 100 + i);
        }
        assertEquals(EthernetSwitch.PER_PEER, sw.size("flooder"), "held to its quota");
        assertEquals(50, sw.size("honest"));
        for (int i = 1; i <= 50; i++) {
            assertEquals("honest", sw.route(frame(0x0600_0000_0000L + i, B), 20_000), "mac " + i + " still routed");
        }
        assertEquals("flooder", sw.route(frame(0x0a00_0000_0000L + 10_000, B), 20_000), "its newest MACs stay");
        assertNull(sw.route(frame(0x0a00_0000_0000L + 1, B), 20_000), "its oldest went");
        assertEquals(EthernetSwitch.TAKEN, sw.learn(frame(B, 0x0600_0000_0001L), "flooder", 30_000),
                "nor does it take an honest member's MAC");
        assertEquals(50, sw.size("honest"));
        sw.learn(frame(B, 0x0600_0000_0001L), "flooder", 1 + EthernetSwitch.AGE_NANOS + 1); // silent long enough: it moves
        assertEquals(49, sw.size("honest"));
        assertEquals(EthernetSwitch.PER_PEER, sw.size("flooder"), "within its quota, a MAC that moved counts for its new peer");
        sw.forget("flooder");
        assertEquals(0, sw.size("flooder"));
        assertEquals(49, sw.size());
    }
}
