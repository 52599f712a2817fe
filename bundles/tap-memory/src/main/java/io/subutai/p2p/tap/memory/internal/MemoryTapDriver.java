package io.subutai.p2p.tap.memory.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * TAP devices that live in memory: what the engine writes can be {@link MemoryTap#takeWritten taken}
 * and what a test {@link MemoryTap#inject injects} the engine reads, as if the kernel had sent it.
 * Names are unique per driver, like interface names on a host; a released device keeps its name
 * (and address) in this driver, not in another instance, for an adopting open. Needs no privileges.
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
            MemoryTap[] made = new MemoryTap[1];
            devices.compute(spec.name(), (name, there) -> {
                if (there != null && !(spec.adopt() && there.released())) {
                    return there;
                }
                // adopted: its address kept unless the spec names one
                Ipv4Cidr address = there == null || spec.address() != null ? spec.address() : there.address();
                return made[0] = new MemoryTap(spec, name, address, QUEUE, this::removed, offload);
            });
            if (made[0] == null) {
                throw new IOException("Interface is already in use");
            }
            return made[0];
        }
        for (int n = 1; ; n++) {
            String name = spec.name().replace("%d", Integer.toString(n));
            MemoryTap tap = new MemoryTap(spec, name, spec.address(), QUEUE, this::removed, offload);
            if (devices.putIfAbsent(name, tap) == null) {
                return tap;
            }
        }
    }

    private void removed(MemoryTap tap) {
        devices.remove(tap.name(), tap);
    }

    /** The device with that name: open, or released and not adopted yet. */
    public Optional<MemoryTap> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }
}
