package io.subutai.p2p.tap.memory.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;

import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * TAP devices that live in memory: what the engine writes can be {@link MemoryTap#takeWritten taken}
 * and what a test {@link MemoryTap#inject injects} the engine reads, as if the kernel had sent it.
 * Names are unique per driver, like interface names on a host. Needs no privileges.
 */
@Component(service = {TapDriver.class, MemoryTapDriver.class}, property = TapDriver.PROPERTY + "=memory")
public final class MemoryTapDriver implements TapDriver {

    /** Frames each direction holds before the oldest is dropped, like a kernel queue. */
    static final int QUEUE = 1024;

    private final Map<String, MemoryTap> devices = new ConcurrentHashMap<>();

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public TapDevice open(TapSpec spec) throws IOException {
        return open(spec, false);
    }

    /**
     * Opens a device that, when {@code offload} is true, behaves as a TAP with offloads: every
     * frame injected and written starts with the offload header ({@link TapDevice#offload()}).
     */
    public TapDevice open(TapSpec spec, boolean offload) throws IOException {
        if (!spec.name().contains("%d")) {
            MemoryTap tap = new MemoryTap(spec, spec.name(), QUEUE, devices::remove, offload);
            if (devices.putIfAbsent(spec.name(), tap) != null) {
                throw new IOException("Interface is already in use");
            }
            return tap;
        }
        for (int n = 1; ; n++) {
            String name = spec.name().replace("%d", Integer.toString(n));
            MemoryTap tap = new MemoryTap(spec, name, QUEUE, devices::remove, offload);
            if (devices.putIfAbsent(name, tap) == null) {
                return tap;
            }
        }
    }

    /** The open device with that name. */
    public Optional<MemoryTap> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }
}
