package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class AddressGuardTest {

    private static final int A_IP = 0x0a000001; // 10.0.0.1
    private static final int C_IP = 0x0a000003;
    private static final int OWN = 0x0a000063;

    private final AddressGuard<String> guard = new AddressGuard<>();

    /** An ARP reply from sender address {@code spa}. */
    private static ByteBuffer arp(int spa) {
        ByteBuffer b = ByteBuffer.allocate(60);
        b.position(12);
        b.putShort((short) 0x0806).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                .putShort((short) 2).put(new byte[6]).putInt(spa);
        return b.position(0).limit(60);
    }

    /** An IPv6 neighbour solicitation from {@code src}, or an advertisement for {@code target}. */
    private static ByteBuffer nd(int type, long srcHi, long srcLo, long targetHi, long targetLo) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 32);
        b.position(12);
        b.putShort((short) 0x86dd).putInt(0x60000000).putShort((short) 32).put((byte) 58).put((byte) 255)
                .putLong(srcHi).putLong(srcLo).putLong(0xff02_0000_0000_0000L).putLong(1);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(0).putLong(targetHi).putLong(targetLo);
        return b.position(0).limit(b.capacity());
    }

    @Test
    void arpForAnotherMembersAnnouncedAddressIsRefused() {
        assertTrue(guard.announce("c", C_IP, false, 0));
        assertFalse(guard.allowed(arp(C_IP), 0, "b", 1), "b speaks for c's address");
        assertTrue(guard.allowed(arp(C_IP), 0, "c", 2));
        assertFalse(guard.allowed(arp(C_IP), 0, "b", 10 * EthernetSwitch.AGE_NANOS), "an announced address never ages");
        assertFalse(guard.announce("b", C_IP, false, 3), "nor may b announce it");
        assertTrue(guard.allowed(arp(0), 0, "b", 4), "an ARP probe (no sender address) claims nothing");
    }

    @Test
    void arpForThisNodesOwnAddressIsRefused() {
        guard.own(OWN);
        assertFalse(guard.allowed(arp(OWN), 0, "b", 0));
        assertFalse(guard.announce("b", OWN, false, 0));
    }

    @Test
    void addressesUsedInNeighbourDiscoveryAreBoundToTheirUser() {
        long hi = 0xfe80_0000_0000_0000L;
        assertTrue(guard.allowed(nd(135, hi, 0x0400_00ff_fe00_000cL, 0, 0), 0, "c", 0), "c solicits from its address");
        assertFalse(guard.allowed(nd(136, hi, 0x0400_00ff_fe00_000bL, hi, 0x0400_00ff_fe00_000cL), 0, "b", 1),
                "b advertises c's address as its own");
        assertTrue(guard.allowed(nd(136, hi, 0x0400_00ff_fe00_000bL, hi, 0x0400_00ff_fe00_000bL), 0, "b", 2));
        assertTrue(guard.allowed(nd(135, 0, 0, hi, 0x0400_00ff_fe00_000cL), 0, "b", 3), "duplicate address detection claims nothing");
        assertTrue(guard.allowed(nd(136, hi, 1, hi, 0x0400_00ff_fe00_000cL), 0, "b", EthernetSwitch.AGE_NANOS + 1),
                "unused for the age, it may move");
    }

    @Test
    void aPeerHoldsFewAddressesAndMakingMoreEvictsOnlyItsOwn() {
        assertTrue(guard.announce("a", A_IP, false, 0));
        for (int i = 0; i < 1000; i++) {
            assertTrue(guard.allowed(arp(0x0b000000 + i), 0, "flooder", 1), "address " + i);
        }
        assertFalse(guard.allowed(arp(A_IP), 0, "flooder", 2), "a's address stays a's");
        assertTrue(guard.allowed(arp(0x0b000000), 0, "other", 3), "the flooder's oldest claims were let go");
        assertFalse(guard.allowed(arp(0x0b000000 + 999), 0, "other", 3), "its newest are still its own");
        guard.forget("a");
        assertTrue(guard.allowed(arp(A_IP), 0, "other", 4), "a left: its address is free");
    }
}
