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
import io.subutai.p2p.spi.RelayOffer;
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
                public void relaysOffered(List<RelayOffer> offered) {
                    List<InetSocketAddress> a = offered.stream().map(RelayOffer::address).toList();
                    offers.add(a);
                    relays = a;
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
        mux.relaysOffered(List.of(RelayOffer.udp(RELAY)));
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
        mux.relaysOffered(List.of(RelayOffer.udp(RELAY)));
        assertEquals(RELAY, mux.relayFor(HANDLE), "worked out again when the relays changed");
        mux.relaysOffered(List.of());
        assertEquals(List.of(List.of(RELAY), List.of()), relays.offers, "an empty list is passed on too");
        assertNull(mux.relayFor(HANDLE));
        mux.relaysOffered(List.of(RelayOffer.udp(RELAY)));
        mux.detach(relays);
        assertNull(mux.relayFor(HANDLE), "its transport left");
    }

    /** A transport that routes every address on the relay's host with paths of {@code kind}, ready while {@code ready}. */
    private static final class Switchable implements Transport {
        final PathKind kind;
        final InetSocketAddress via;
        volatile boolean ready;
        volatile TransportContext context;

        Switchable(PathKind kind, InetSocketAddress via) {
            this.kind = kind;
            this.via = via;
        }

        void ready(boolean now) {
            ready = now;
            context.announce(List.of()); // what a transport does when its paths' readiness changes
        }

        @Override
        public TransportSession attach(TransportContext c) {
            context = c;
            return new TransportSession() {
                @Override
                public Path route(InetSocketAddress to) {
                    if (!to.getAddress().equals(RELAY.getAddress())) {
                        return null;
                    }
                    return new Path() {
                        @Override
                        public PathKind kind() {
                            return kind;
                        }

                        @Override
                        public InetSocketAddress via() {
                            return via;
                        }

                        @Override
                        public boolean ready() {
                            return ready;
                        }

                        @Override
                        public void send(ByteBuffer datagram) {
                        }
                    };
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void ofTwoWaysToOneHandleTheReadyOneTakesItAndUdpBeforeAStream() {
        InetSocketAddress stream = new InetSocketAddress("198.51.100.2", 443);
        Switchable udp = new Switchable(PathKind.RELAY, RELAY);
        Switchable tcp = new Switchable(PathKind.RELAY_TCP, stream);
        mux.attach("proxy", udp);
        mux.attach("tcp", tcp);
        assertEquals(PathKind.RELAY, mux.relayKind(HANDLE), "neither ready: the first offered");
        tcp.ready(true);
        assertEquals(PathKind.RELAY_TCP, mux.relayKind(HANDLE), "UDP blocked: the stream carries it");
        assertEquals(stream, mux.relayFor(HANDLE));
        udp.ready(true);
        assertEquals(PathKind.RELAY, mux.relayKind(HANDLE), "UDP answers again: back to it");
        assertEquals(RELAY, mux.relayFor(HANDLE));
        udp.ready(false);
        assertEquals(PathKind.RELAY_TCP, mux.relayKind(HANDLE));
        mux.detach(tcp);
        assertEquals(PathKind.RELAY, mux.relayKind(HANDLE), "the stream transport uninstalled: UDP only");
    }
}
