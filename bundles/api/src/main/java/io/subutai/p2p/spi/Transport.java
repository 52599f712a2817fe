package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A strategy that adds ways to reach peers ({@link Path paths}) besides the direct ones, which the
 * engine probes itself: hole punching, a relay, or a stream transport for networks that block UDP.
 * Registered with {@link #PROPERTY} naming it and {@link #PREFERENCE} ranking it. The engine
 * attaches every transport to every network instance; a transport never sees plaintext frames or
 * keys.
 */
@ConsumerType
public interface Transport {

    /** Service property: the strategy's name, e.g. {@code holepunch} or {@code proxy}. */
    String PROPERTY = "p2p.transport";

    /** Service property (Integer): higher is tried first when paths rank equal. */
    String PREFERENCE = "p2p.transport.preference";

    /** Whether this transport can work on this host. */
    default Availability availability() {
        return Availability.yes();
    }

    /**
     * Starts working for one network instance. Called on the engine's thread that starts the
     * network or binds this transport; the session's timers then run on the network's control
     * loop ({@link TransportContext#scheduler()}).
     *
     * @return the attachment, closed when the instance stops or the transport goes away
     */
    TransportSession attach(TransportContext context);
}
