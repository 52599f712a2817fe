package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * What members send into the switch: frames (read for MACs, ARP and neighbour discovery) and
 * fragments (reassembled) are whatever a member makes them. Reading them never throws or reads
 * outside the frame; the table never holds more than its capacity; a reassembled frame lies
 * within its buffer.
 */
class FrameGuardFuzzTest {

    private final EthernetSwitch<Integer> sw = new EthernetSwitch<>(0x0600_0000_0001L);
    private final Fragments.Reassembler reassembly = new Fragments.Reassembler();
    private long now;
    /** As the receive path's buffer: room for a whole frame after a fragment's start. */
    private final ByteBuffer buffer = ByteBuffer.allocate(8 + io.subutai.p2p.spi.TapDevice.MAX_FRAME);

    @FuzzTest(maxDuration = "10m")
    void framesAndFragmentsNeverThrowNorOverrun(FuzzedDataProvider data) {
        while (data.remainingBytes() > 0) {
            int op = data.consumeInt(0, 15); // frames most, forgetting (which scans the table) least
            int kind = op < 8 ? 0 : op < 12 ? 1 : op < 15 ? 2 : 3;
            Integer peer = data.consumeInt(0, 7); // a few peers, so entries meet
            now += data.consumeLong(0, EthernetSwitch.AGE_NANOS);
            byte[] bytes = data.consumeBytes(data.consumeInt(0, 200));
            ByteBuffer b = buffer.clear();
            b.position(8);
            b.put(bytes);
            b.limit(8 + bytes.length).position(8);
            switch (kind) {
                case 0 -> {
                    int r = sw.learn(b, peer, now);
                    if (r < EthernetSwitch.LEARNED || r > EthernetSwitch.FULL) {
                        throw new AssertionError("learn said " + r);
                    }
                    sw.addresses.allowed(b, 8, peer, now);
                }
                case 1 -> sw.announce(peer, bytes.length >= 6 ? EthernetSwitch.mac(b, 8) : 0, data.consumeBoolean(), now);
                case 2 -> {
                    b.limit(b.capacity()); // as the receive path's: opened in place, room behind
                    int r = reassembly.offer(b, 8, 8 + bytes.length);
                    b.limit(8 + bytes.length);
                    if (r == Fragments.Reassembler.WHOLE && (reassembly.from() < 0 || reassembly.to() < reassembly.from())) {
                        throw new AssertionError("a whole frame outside its buffer");
                    }
                }
                default -> sw.forget(peer);
            }
            if (b.position() != 8 || b.limit() != 8 + bytes.length) {
                throw new AssertionError("the frame's bounds moved");
            }
            if (sw.size() > EthernetSwitch.CAPACITY) {
                throw new AssertionError("the table holds " + sw.size());
            }
        }
    }
}
