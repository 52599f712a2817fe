package io.subutai.p2p.transport.holepunch.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Component;

import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;
import io.subutai.p2p.wire.Punch;

/**
 * The hole punching strategy (docs/protocol.md §4.4). The engine decides when (a peer that has
 * not connected yet, or is reached through a relay only); this strategy knows how: PUNCH packets
 * from the instance's own socket open this host's NAT toward a peer, and a NAT that maps every
 * destination anew on the next port is predicted to use one of the {@link #PREDICTED_PORTS}
 * ports after the one a bootstrap server saw. A NAT with random ports defeats prediction; such
 * pairs meet through a relay. No thread, no state of its own.
 */
@Component(service = Transport.class, property = {Transport.PROPERTY + "=holepunch",
    Transport.PREFERENCE + ":Integer=20"})
public final class HolePunchTransport implements Transport {

    /** How many ports after the one a server saw are predicted. */
    static final int PREDICTED_PORTS = 16;

    @Override
    public TransportSession attach(TransportContext context) {
        DatagramPort socket = context.socket();
        return new TransportSession() {
            private final ByteBuffer punch = Punch.message();

            @Override
            public List<InetSocketAddress> guesses(List<InetSocketAddress> mapped) {
                return predict(mapped);
            }

            @Override
            public void open(List<InetSocketAddress> targets) {
                for (InetSocketAddress to : targets) {
                    socket.send(to, punch.duplicate());
                }
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    /** The {@link #PREDICTED_PORTS} ports after each mapped address's (a sequential symmetric NAT's next ones). */
    static List<InetSocketAddress> predict(List<InetSocketAddress> mapped) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : mapped) {
            if (a.isUnresolved()) {
                continue;
            }
            for (int k = 1; k <= PREDICTED_PORTS && a.getPort() + k <= 65535; k++) {
                out.add(new InetSocketAddress(a.getAddress(), a.getPort() + k));
            }
        }
        return out;
    }
}
