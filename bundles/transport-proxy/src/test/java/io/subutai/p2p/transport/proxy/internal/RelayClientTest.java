package io.subutai.p2p.transport.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.servers.internal.RelayServer;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.Path;
import io.subutai.p2p.spi.Scheduler;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;
import io.subutai.p2p.wire.relay.RelayMessage;

/** Two members' relay clients and a real relay server, wired by hand, one datagram at a time. */
class RelayClientTest {

    private static final InetSocketAddress RELAY = new InetSocketAddress("192.0.2.1", 6882);
    private static final String NETWORK = "00112233445566778899aabbccddeeff";

    private final Map<InetSocketAddress, Member> members = new HashMap<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private RelayServer relay = relay();

    /** A relay at {@link #RELAY}, on the test's clock, that hands what it sends to the members. */
    private RelayServer relay() {
        return RelayServer.fed(RELAY, (data, length, to) -> {
            Member m = members.get(to);
            if (m != null) {
                m.received(RELAY, ByteBuffer.wrap(data, 0, length).asReadOnlyBuffer());
            }
        }, 1_000_000_000L, clock::get, s -> { }, List.of());
    }

    /** A member: its socket (sends to the relay are handed to it), and what its client announced and delivered. */
    private final class Member implements DatagramPort, TransportContext {
        final InetSocketAddress address;
        final byte[] key;
        final Map<Integer, DatagramHandler> handlers = new HashMap<>();
        final List<List<InetSocketAddress>> announced = new CopyOnWriteArrayList<>();
        final List<Object[]> delivered = new CopyOnWriteArrayList<>();
        final List<InetSocketAddress> sentElsewhere = new ArrayList<>();
        /** The operations of what it sent the relay. */
        final List<Integer> sentToRelay = new ArrayList<>();
        /** How many of them went with the don't-fragment bit. */
        int unfragmented;
        final RelayClient client;

        Member(int host, int keyByte) {
            address = new InetSocketAddress("198.51.100." + host, 40000 + host);
            key = new byte[32];
            key[0] = (byte) keyByte;
            members.put(address, this);
            client = (RelayClient) new RelayTransport().attach(this);
        }

        void received(InetSocketAddress from, ByteBuffer d) {
            DatagramHandler h = handlers.get((int) d.get(d.position() + 1));
            if (h != null) {
                h.received(from, d);
            }
        }

        @Override
        public InetSocketAddress localAddress() {
            return address;
        }

        @Override
        public void send(InetSocketAddress to, ByteBuffer datagram) {
            if (to.equals(RELAY)) {
                sentToRelay.add(RelayMessage.op(datagram));
                relay.deliver(datagram, address);
            } else {
                sentElsewhere.add(to);
            }
        }

        @Override
        public boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
            unfragmented++;
            send(to, datagram);
            return true;
        }

        @Override
        public AutoCloseable register(int type, DatagramHandler handler) {
            handlers.put(type, handler);
            return () -> handlers.remove(type);
        }

        @Override
        public String networkId() {
            return NETWORK;
        }

        @Override
        public byte[] staticKey() {
            return key.clone();
        }

        @Override
        public DatagramPort socket() {
            return this;
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
            announced.add(endpoints);
        }

        @Override
        public void deliver(InetSocketAddress from, ByteBuffer datagram) {
            byte[] b = new byte[datagram.remaining()];
            datagram.duplicate().get(b);
            delivered.add(new Object[] {from, b});
        }

        List<InetSocketAddress> last() {
            return announced.isEmpty() ? List.of() : announced.get(announced.size() - 1);
        }
    }

    @AfterEach
    void close() {
        relay.close();
    }

    private static ByteBuffer datagram(int n, int seq) {
        ByteBuffer b = ByteBuffer.allocate(n);
        b.put((byte) 1).put((byte) 4).put((byte) 0).put((byte) 0);
        while (b.hasRemaining()) {
            b.put((byte) seq);
        }
        return b.flip();
    }

    /** Two members of the network, each offered the relay. */
    private Member[] twoAtTheRelay() {
        Member[] m = {new Member(1, 1), new Member(2, 2)};
        for (Member x : m) {
            x.client.relaysOffered(offers(RELAY));
        }
        return m;
    }

    @Test
    void membersAllocateAnnounceTheirHandlesAndReachEachOtherThroughTheRelay() {
        Member[] m = twoAtTheRelay();
        Member a = m[0];
        Member b = m[1];
        assertEquals(1, a.last().size(), "a announced its handle: " + a.announced);
        assertEquals(1, b.last().size());
        InetSocketAddress aAtRelay = a.last().get(0);
        InetSocketAddress bAtRelay = b.last().get(0);
        assertEquals(RELAY.getAddress(), aAtRelay.getAddress());

        Path toB = a.client.route(bAtRelay);
        assertNotNull(toB);
        assertEquals(PathKind.RELAY, toB.kind());
        assertEquals(RELAY, toB.via());
        toB.send(datagram(100, 7));
        assertEquals(1, b.delivered.size());
        assertEquals(aAtRelay, b.delivered.get(0)[0], "delivered as from a's handle, which b routes back");
        assertArrayEquals(datagram(100, 7).array(), (byte[]) b.delivered.get(0)[1], "unwrapped, intact");

        ByteBuffer three = ByteBuffer.allocate(1452 * 2 + 10);
        three.put(datagram(1452, 1)).put(datagram(1452, 2)).put(datagram(10, 3)).flip();
        toB.sendSegments(three, 1452);
        assertEquals(4, b.delivered.size(), "each segment relayed as a datagram of its own");
        assertEquals(10, ((byte[]) b.delivered.get(3)[1]).length);
        assertTrue(toB.sendUnfragmented(datagram(1200, 9)), "a path MTU probe goes through the relay");
        assertEquals(1, a.unfragmented, "with the don't-fragment bit to the relay");
        assertArrayEquals(datagram(1200, 9).array(), (byte[]) b.delivered.get(4)[1], "and arrives intact");
        assertTrue(a.sentElsewhere.isEmpty(), "everything went to the relay");
    }

    @Test
    void onlyRelayHandlesAreRoutedAndOnlyTheRelaySpeaksForThem() {
        Member a = new Member(1, 1);
        a.client.relaysOffered(offers(RELAY));
        assertNull(a.client.route(RELAY), "the relay's own port is not a peer");
        assertNull(a.client.route(new InetSocketAddress("203.0.113.9", 5)), "another host is reached straight");
        // a FROM that does not come from the relay's port is no one's
        ByteBuffer forged = ByteBuffer.allocate(RelayMessage.ENVELOPE + 8);
        RelayMessage.envelope(forged, RelayMessage.OP_FROM, 9);
        forged.put(datagram(8, 1)).flip();
        a.received(new InetSocketAddress(RELAY.getAddress(), 6883), forged);
        assertTrue(a.delivered.isEmpty());
    }

    @Test
    void aNewListOfRelaysReplacesAFullOldOne() {
        Member a = new Member(1, 1);
        a.client.relaysOffered(offers(new InetSocketAddress("192.0.2.7", 6882), new InetSocketAddress("192.0.2.8", 6882),
                new InetSocketAddress("192.0.2.9", 6882))); // three that never answer
        assertEquals(List.of(), a.last());
        a.client.relaysOffered(offers(RELAY));
        assertEquals(1, a.last().size(), "allocated at the one relay offered now: " + a.announced);
    }

    @Test
    void allocationsAtRelaysNoLongerOfferedAreGivenUp() {
        Member a = new Member(1, 1);
        a.client.relaysOffered(offers(RELAY));
        assertEquals(1, a.last().size());
        a.client.relaysOffered(offers());
        assertEquals(List.of(), a.last(), "this node is no longer reachable there");
        assertNull(a.client.route(new InetSocketAddress(RELAY.getAddress(), 1)));
        TransportSession s = a.client;
        s.close();
    }

    @Test
    void theClientEchoesTheCookieAndKeepsItsAllocationByProvenRefreshes() {
        Member a = new Member(1, 1);
        a.client.relaysOffered(offers(RELAY));
        assertEquals(List.of(RelayMessage.OP_ALLOCATE, RelayMessage.OP_ALLOCATE), a.sentToRelay, "asked, then echoed the cookie");
        InetSocketAddress handle = a.last().get(0);
        for (int i = 0; i < 5; i++) { // 100 s: more than three lifetimes
            clock.addAndGet(20_000_000_000L);
            a.client.refresh();
            relay.tick();
        }
        assertEquals(1, relay.allocations(), "kept alive");
        assertEquals(handle, a.last().get(0));
        assertEquals(List.of(RelayMessage.OP_REFRESH), a.sentToRelay.subList(2, 3), "refreshed with proof");
        assertEquals(2 + 5, a.sentToRelay.size(), "one datagram per refresh");
        a.client.relaysOffered(offers());
        assertEquals(0, relay.allocations(), "released at once, with proof, when the relay is no longer offered");
    }

    @Test
    void afterTheRelayRestartsTheClientAllocatesAgain() {
        Member[] m = twoAtTheRelay();
        Member a = m[0];
        Member b = m[1];
        relay.close();
        relay = relay(); // knows nothing of their allocations
        a.client.refresh();
        b.client.refresh();
        assertEquals(2, relay.allocations(), "its refresh answered with a cookie, each member allocated again");
        a.client.route(b.last().get(0)).send(datagram(100, 7));
        assertEquals(1, b.delivered.size(), "through the new handles they announced: " + b.announced);
        assertEquals(a.last().get(0), b.delivered.get(0)[0]);
    }

    @Test
    void aCookieNobodyAskedForIsNotAnswered() {
        Member a = new Member(1, 1);
        a.client.relaysOffered(offers(RELAY));
        int sent = a.sentToRelay.size();
        ByteBuffer cookie = ByteBuffer.allocate(RelayMessage.COOKIE_SIZE);
        RelayMessage.cookie(new byte[RelayMessage.TOKEN]).encode(cookie);
        cookie.flip();
        for (int i = 0; i < 10; i++) {
            a.received(RELAY, cookie.asReadOnlyBuffer());
        }
        assertEquals(sent, a.sentToRelay.size(), "spoofed cookies make the client send nothing");
        ByteBuffer allocated = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
        RelayMessage.allocated(new byte[16], a.key, 4242, 30, new byte[RelayMessage.TOKEN]).encode(allocated);
        a.received(RELAY, allocated.flip());
        assertTrue(a.last().get(0).getPort() != 4242, "nor does an allocation it did not ask for change its handle");
    }

    private static List<io.subutai.p2p.spi.RelayOffer> offers(InetSocketAddress... relays) {
        return java.util.Arrays.stream(relays).map(io.subutai.p2p.spi.RelayOffer::udp).toList();
    }
}
