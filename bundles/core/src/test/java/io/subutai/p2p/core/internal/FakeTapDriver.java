package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * A TAP driver for tests of the engine's bookkeeping: its devices move no frames, but their names
 * are unique per driver (as interface names on a host) and they remember what they were given.
 */
final class FakeTapDriver implements TapDriver {

    /** A device that exists until it is closed; a released one waits to be adopted. */
    static final class FakeTap implements PollableTapDevice {
        private final String name;
        private final TapSpec spec;
        private final Map<String, FakeTap> devices;
        private volatile Ipv4Cidr address;
        volatile boolean held = true;

        FakeTap(String name, TapSpec spec, Map<String, FakeTap> devices) {
            this.name = name;
            this.spec = spec;
            this.devices = devices;
            this.address = spec.address();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public MacAddress mac() {
            return spec.mac();
        }

        @Override
        public int mtu() {
            return spec.mtu();
        }

        Ipv4Cidr address() {
            return address;
        }

        /** An address this device refuses, as {@code ip} would (null: none). */
        volatile Ipv4Cidr refused;

        @Override
        public void assignAddress(Ipv4Cidr a) throws IOException {
            if (a.equals(refused)) {
                throw new IOException("RTNETLINK answers: Permission denied");
            }
            address = a;
        }

        @Override
        public int read(FrameBatch batch) throws IOException {
            throw new IOException("a fake TAP moves no frames");
        }

        @Override
        public int readNow(FrameBatch batch) {
            batch.clear();
            return 0;
        }

        @Override
        public void awaitFrames() throws IOException {
            throw new IOException("a fake TAP moves no frames");
        }

        @Override
        public void release() {
            held = false;
        }

        @Override
        public void write(FrameBatch batch) {
        }

        @Override
        public void close() {
            devices.remove(name, this);
        }
    }

    private final Map<String, FakeTap> devices = new ConcurrentHashMap<>();

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public TapDevice open(TapSpec spec) throws IOException {
        if (!spec.name().contains("%d")) {
            FakeTap tap = new FakeTap(spec.name(), spec, devices);
            FakeTap before = devices.putIfAbsent(spec.name(), tap);
            if (before != null) {
                if (!spec.adopt() || before.held) {
                    throw new IOException("Interface is already in use");
                }
                if (spec.address() == null) {
                    tap.address = before.address;
                }
                devices.put(spec.name(), tap); // taken over as it is
            }
            return tap;
        }
        for (int n = 1; ; n++) {
            String name = spec.name().replace("%d", Integer.toString(n));
            FakeTap tap = new FakeTap(name, spec, devices);
            if (devices.putIfAbsent(name, tap) == null) {
                return tap;
            }
        }
    }

    Optional<FakeTap> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }
}
