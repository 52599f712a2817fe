package io.subutai.p2p.spi;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

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
}
