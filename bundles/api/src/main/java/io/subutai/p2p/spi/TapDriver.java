package io.subutai.p2p.spi;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

import io.subutai.p2p.api.MacAddress;

/**
 * Makes TAP (Ethernet) interfaces. Registered as a service with {@link #PROPERTY} naming the
 * driver ({@code linux}, {@code memory}, ...); the engine picks one by a configured target filter
 * and reopens every interface with the new driver when the chosen one is replaced.
 */
@ConsumerType
public interface TapDriver {

    /** Service property: the driver's name, e.g. {@code linux}. */
    String PROPERTY = "p2p.tap";

    /** Whether this driver can open devices here, and why not if it cannot. */
    Availability availability();

    /**
     * Creates the interface and configures it as {@code spec} says (name, MAC, MTU, address, up).
     *
     * @throws IOException with a message that names the interface when the OS refuses
     */
    TapDevice open(TapSpec spec) throws IOException;

    /**
     * Two devices of this driver's own kind joined back to back, with no interface in the system:
     * each frame written to one end is read from the other as it was written (with the offload
     * header first when {@link TapDevice#offload} says so; both ends say the same). The daemon runs
     * its data path over such a pair before a network's first frames, so that the code the JVM
     * compiles then is the code that real frames take, down to the driver's reads and writes.
     * The caller closes both ends.
     *
     * @param first  the MAC the first end reports
     * @param second the MAC the second end reports
     * @param mtu    the MTU both report
     * @return the two ends, in that order; empty when the driver has no such pair (the default)
     * @throws IOException when the driver has one but cannot make it now
     */
    default Optional<List<PollableTapDevice>> openLoopback(MacAddress first, MacAddress second, int mtu)
            throws IOException {
        return Optional.empty();
    }
}
