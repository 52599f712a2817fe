package io.subutai.p2p.tap.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapSpec;

class MemoryTapDriverTest {

    private static final MacAddress MAC = MacAddress.parse("06:aa:bb:cc:dd:01");
    private static final TapSpec SPEC = new TapSpec("vptp1", MAC, 1500, Ipv4Cidr.parse("10.1.0.1/24"));

    private final MemoryTapDriver driver = new MemoryTapDriver();

    @Test
    void aReleasedDeviceIsAdoptedByNameWithItsAddress() throws Exception {
        MemoryTap first = (MemoryTap) driver.open(SPEC);
        FrameBatch batch = new FrameBatch(4, 2048, true);
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                first.read(batch);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        first.release();
        assertTrue(reader.get(5, TimeUnit.SECONDS) instanceof ClosedChannelException, "a blocked read ends");
        assertSame(first, driver.device("vptp1").orElseThrow(), "kept while nobody holds it");
        assertEquals("Interface is already in use", assertThrows(IOException.class, () -> driver.open(SPEC)).getMessage(),
                "not taken over unless asked");
        assertFalse(new MemoryTapDriver().device("vptp1").isPresent(), "another driver instance does not see it");

        MemoryTap adopted = (MemoryTap) driver.open(new TapSpec("vptp1", MAC, 1400, null).adopting());
        assertNotSame(first, adopted);
        assertEquals(Ipv4Cidr.parse("10.1.0.1/24"), adopted.address(), "its address kept");
        assertEquals(1400, adopted.mtu(), "its MTU as the spec says");
        assertSame(adopted, driver.device("vptp1").orElseThrow());
        assertTrue(adopted.inject(new byte[60]));
        assertEquals(1, adopted.read(batch), "frames flow");

        first.close(); // released already: does nothing, and never removes the adopter
        assertSame(adopted, driver.device("vptp1").orElseThrow());
        adopted.close();
        assertFalse(driver.device("vptp1").isPresent(), "close removes it");
    }

    @Test
    void adoptingRefusesAHeldNameAndMakesAMissingOne() throws Exception {
        TapDevice held = driver.open(SPEC);
        assertEquals("Interface is already in use",
                assertThrows(IOException.class, () -> driver.open(SPEC.adopting())).getMessage());
        held.close();
        MemoryTap made = (MemoryTap) driver.open(SPEC.adopting());
        assertEquals(Ipv4Cidr.parse("10.1.0.1/24"), made.address());
        assertFalse(made.released());
        made.close();
        assertFalse(driver.device("vptp1").isPresent());
    }
}
