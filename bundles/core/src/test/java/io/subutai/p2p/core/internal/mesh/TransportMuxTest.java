package io.subutai.p2p.core.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Path;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;

/** The transports in a network's socket: which addresses they route, as they come, go and learn relays. */
class TransportMuxTest {

    private static final InetSocketAddress RELAY = new InetSocketAddress("198.51.100.2", 6882);
    private static final InetSocketAddress HANDLE = new InetSocketAddress("198.51.100.2", 40001);
    private static final InetSocketAddress PEER = new InetSocketAddress("203.0.113.9", 7000);

    /** A relay transport: an address on a relay's host, other than its port, goes through the relay it was offered. */
    private static final class Relays implements Transport {
        final List<List<InetSocketAddress>> offers = new ArrayList<>();

        @Override
        public TransportSession attach(TransportContext context) {
            return new TransportSession() {
                volatile List<InetSocketAddress> relays = List.of();

                @Override
                public void relaysOffered(List<InetSocketAddress> offered) {
                    offers.add(offered);
                    relays = offered;
                }

                @Override
                public Path route(InetSocketAddress to) {
                    for (InetSocketAddress r : relays) {
                        if (r.getAddress().equals(to.getAddress()) && r.getPort() != to.getPort()) {
                            return path(r);
                        }
                    }
                    return null;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static Path path(InetSocketAddress via) {
        return new Path() {
            @Override
            public PathKind kind() {
                return PathKind.RELAY;
            }

            @Override
            public InetSocketAddress via() {
                return via;
            }

            @Override
            public void send(ByteBuffer datagram) {
            }
        };
    }

    /** A loop that runs what it is given at once, and no timer. */
    private static final ControlLoop INLINE = new ControlLoop() {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
            return () -> { };
        }

        @Override
        public long nanoTime() {
            return 0;
        }

        @Override
        public long currentTimeMillis() {
            return 0;
        }

        @Override
        public void close() {
        }
    };

    private static final DatagramPort SOCKET = new DatagramPort() {
        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("10.0.0.1", 7000);
        }

        @Override
        public void send(InetSocketAddress to, ByteBuffer datagram) {
        }

        @Override
        public AutoCloseable register(int type, DatagramHandler handler) {
            return () -> { };
        }
    };

    private final TransportMux mux = new TransportMux(SOCKET, "00", new byte[32], INLINE, e -> { },
            (t, op, e) -> { throw new AssertionError(t + " failed in " + op, e); });

    @Test
    void aTransportAttachedAfterTheRelaysWereOfferedRoutesThroughThemAtOnce() {
        mux.relaysOffered(List.of(RELAY));
        assertNull(mux.relayFor(HANDLE), "no transport yet: straight out");
        Relays relays = new Relays();
        mux.attach("proxy", relays);
        assertEquals(List.of(List.of(RELAY)), relays.offers, "told the relays known, once");
        assertEquals(RELAY, mux.relayFor(HANDLE), "the handle is reached through its relay, not straight out");
        assertNull(mux.relayFor(PEER));
    }

    @Test
    void routesFollowTheRelaysOfferedAndTheTransportsThatCome() {
        Relays relays = new Relays();
        mux.attach("proxy", relays);
        assertNull(mux.relayFor(HANDLE), "remembered as straight out while no relay is known");
        mux.relaysOffered(List.of(RELAY));
        assertEquals(RELAY, mux.relayFor(HANDLE), "worked out again when the relays changed");
        mux.relaysOffered(List.of());
        assertEquals(List.of(List.of(RELAY), List.of()), relays.offers, "an empty list is passed on too");
        assertNull(mux.relayFor(HANDLE));
        mux.relaysOffered(List.of(RELAY));
        mux.detach(relays);
        assertNull(mux.relayFor(HANDLE), "its transport left");
    }
}
