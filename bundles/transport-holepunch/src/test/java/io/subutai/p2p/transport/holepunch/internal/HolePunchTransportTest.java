package io.subutai.p2p.transport.holepunch.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Scheduler;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;

class HolePunchTransportTest {

    private final List<Object[]> sent = new ArrayList<>();

    private final DatagramPort socket = new DatagramPort() {
        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("192.168.1.2", 7000);
        }

        @Override
        public void send(InetSocketAddress to, ByteBuffer datagram) {
            byte[] b = new byte[datagram.remaining()];
            datagram.get(b);
            sent.add(new Object[] {to, b});
        }

        @Override
        public AutoCloseable register(int type, DatagramHandler handler) {
            return () -> { };
        }
    };

    private TransportSession session() {
        return new HolePunchTransport().attach(new TransportContext() {
            @Override
            public String networkId() {
                return "00";
            }

            @Override
            public byte[] staticKey() {
                return new byte[32];
            }

            @Override
            public DatagramPort socket() {
                return socket;
            }

            @Override
            public Scheduler scheduler() {
                return new Scheduler() {
                    @Override
                    public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
                        return () -> { };
                    }

                    @Override
                    public long nanoTime() {
                        return System.nanoTime();
                    }
                };
            }

            @Override
            public void announce(List<InetSocketAddress> endpoints) {
            }

            @Override
            public void deliver(InetSocketAddress from, ByteBuffer datagram) {
            }
        });
    }

    @Test
    void guessesTheNextPortsOfEachMappingAndNoneBeyondTheLastPort() {
        List<InetSocketAddress> g = session().guesses(List.of(new InetSocketAddress("203.0.113.5", 40000),
                new InetSocketAddress("203.0.113.6", 65530)));
        assertEquals(HolePunchTransport.PREDICTED_PORTS + 5, g.size());
        assertEquals(new InetSocketAddress("203.0.113.5", 40001), g.get(0));
        assertEquals(new InetSocketAddress("203.0.113.5", 40000 + HolePunchTransport.PREDICTED_PORTS),
                g.get(HolePunchTransport.PREDICTED_PORTS - 1));
        assertEquals(new InetSocketAddress("203.0.113.6", 65535), g.get(g.size() - 1));
    }

    @Test
    void openingSendsOnePunchPacketToEachTargetFromTheInstanceSocket() {
        List<InetSocketAddress> targets = List.of(new InetSocketAddress("203.0.113.5", 40000),
                new InetSocketAddress("10.0.0.2", 7001));
        TransportSession s = session();
        s.open(targets);
        s.open(targets);
        assertEquals(4, sent.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(targets.get(i % 2), sent.get(i)[0]);
            assertArrayEquals(new byte[] {(byte) io.subutai.p2p.wire.Header.VERSION, 7, 0, 0}, (byte[]) sent.get(i)[1], "the 4-byte PUNCH header, each time");
        }
        s.close();
    }
}
