package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Small messages to one peer through a discovery server (hole-punch coordination, address
 * negotiation). Messages arrive through {@link DiscoveryListener#rendezvous}.
 */
@ProviderType
public interface Rendezvous {

    /** Largest message accepted, in bytes. */
    int maxMessageSize();

    /** Sends {@code message} to {@code peer}; delivery is best effort. */
    void send(PeerId peer, byte[] message);
}
