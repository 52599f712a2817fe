package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ConsumerType;

/** A transport's work for one network instance. */
@ConsumerType
public interface TransportSession extends AutoCloseable {

    /** The set of peers or their known endpoints changed; look at {@link TransportContext#peers()}. */
    void peersChanged();

    /** Stops all work for the instance and withdraws every path this session offered. */
    @Override
    void close();
}
