package io.subutai.p2p.tap.linux.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;

/** The driver's loopback pair: two of its devices back to back, no interface, no root needed. */
class LoopbackPairTest {

    private static final MacAddress A = MacAddress.parse("06:aa:00:00:00:01");
    private static final MacAddress B = MacAddress.parse("06:aa:00:00:00:02");

    private static List<PollableTapDevice> pair(boolean offload) throws IOException {
        return new LinuxTapDriver(LinuxTapDriverTest.config("", offload)).openLoopback(A, B, 1400).orElseThrow();
    }

    @Test
    void framesCrossBothWaysWholeAndInOrder() throws Exception {
        List<PollableTapDevice> ends = pair(true);
        try {
            PollableTapDevice a = ends.get(0);
            PollableTapDevice b = ends.get(1);
            assertEquals(A, a.mac());
            assertEquals(B, b.mac());
            assertEquals(1400, b.mtu());
            assertTrue(a.offload() && b.offload(), "both ends say what the driver's TAPs say");
            FrameBatch out = new FrameBatch(8, 2048, true);
            for (int i = 0; i < 3; i++) {
                out.claim().put(frame(60 + 700 * i, i));
                out.commit();
            }
            a.write(out);
            FrameBatch in = new FrameBatch(8, 2048, true);
            assertEquals(3, b.read(in), "one record per frame");
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(frame(60 + 700 * i, i), bytes(in.frame(i)));
            }
            assertEquals(0, b.readNow(in), "nothing more: readNow does not wait");
            b.write(out);
            assertEquals(3, a.read(in));
        } finally {
            ends.get(0).close();
            ends.get(1).close();
        }
    }

    @Test
    void aSleepingReaderWakesForAFrameAndForClose() throws Exception {
        List<PollableTapDevice> ends = pair(false);
        PollableTapDevice a = ends.get(0);
        PollableTapDevice b = ends.get(1);
        try {
            assertFalse(a.offload());
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.read(new FrameBatch(4, 2048, true));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            FrameBatch out = new FrameBatch(1, 2048, true);
            out.claim().put(frame(98, 7));
            out.commit();
            a.write(out);
            assertEquals(1, reader.get(10, TimeUnit.SECONDS));
            CompletableFuture<Throwable> sleeper = CompletableFuture.supplyAsync(() -> {
                try {
                    b.awaitFrames();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            b.close();
            assertTrue(sleeper.get(10, TimeUnit.SECONDS) instanceof ClosedChannelException);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void anEndWhosePeerClosedFailsInsteadOfReadingEmptyFrames() throws Exception {
        List<PollableTapDevice> ends = pair(true);
        ends.get(1).close();
        FrameBatch in = new FrameBatch(4, 2048, true);
        assertEquals(0, ends.get(0).readNow(in));
        assertThrows(IOException.class, () -> ends.get(0).read(in));
        ends.get(0).close();
    }

    @Test
    void anEndHasNoInterfaceAndClosingLeavesNoDescriptor() throws Exception {
        long before = descriptors();
        List<PollableTapDevice> ends = pair(true);
        assertEquals(before + 4, descriptors(), "two sockets and two eventfds");
        IOException e = assertThrows(IOException.class, () -> ends.get(0).assignAddress(Ipv4Cidr.parse("10.9.0.1/24")));
        assertTrue(e.getMessage().contains("loopback"), e.getMessage());
        ends.get(0).close();
        ends.get(1).close();
        assertEquals(before, descriptors());
        assertThrows(ClosedChannelException.class, () -> ends.get(1).readNow(new FrameBatch(1, 2048, true)));
    }

    private static long descriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static byte[] frame(int size, int mark) {
        byte[] f = new byte[size];
        for (int i = 0; i < size; i++) {
            f[i] = (byte) (i * 31 + mark);
        }
        return f;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
