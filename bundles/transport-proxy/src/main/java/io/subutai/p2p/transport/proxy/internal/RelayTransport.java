package io.subutai.p2p.transport.proxy.internal;

import org.osgi.service.component.annotations.Component;

import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;

/**
 * The proxy forwarding strategy (docs/protocol.md §8): for each network, a {@link RelayClient}
 * that allocates at the relays discovery offers and carries datagrams to peers' relay handles.
 * Needs no thread of its own: its refresh runs on the engine's timer.
 */
@Component(service = Transport.class, property = {Transport.PROPERTY + "=proxy",
    Transport.PREFERENCE + ":Integer=10"})
public final class RelayTransport implements Transport {

    @Override
    public TransportSession attach(TransportContext context) {
        return new RelayClient(context);
    }
}
