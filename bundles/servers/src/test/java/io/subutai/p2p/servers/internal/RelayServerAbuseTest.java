package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.wire.relay.RelayMessage;

/**
 * What the relay does for those who do not play by the rules (the threat review's H6): spoofed
 * sources, floods from one prefix, strangers at a member's address, senders over the caps. The
 * relay is fed by the test, on a clock the test moves, and what it sends is recorded.
 */
class RelayServerAbuseTest {

    private static final InetSocketAddress RELAY = new InetSocketAddress("192.0.2.1", 6882);
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong(9_000 * SECOND);
    /** What the relay sent: to whom, and the bytes. */
    private final List<Object[]> sent = new ArrayList<>();
    private RelayServer relay;

    private void start(long bytesPerSecond, long totalBytesPerSecond) {
        relay = RelayServer.fed(RELAY, (data, length, to) -> sent.add(new Object[] {to, Arrays.copyOf(data, length)}),
                bytesPerSecond, totalBytesPerSecond, clock::get, m -> { }, List.of());
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private static InetSocketAddress at(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    private static byte[] id(int n) {
        byte[] b = new byte[16];
        b[0] = (byte) n;
        return b;
    }

    private static byte[] key(int n) {
        byte[] b = new byte[32];
        b[0] = (byte) n;
        b[1] = (byte) (n >> 8);
        return b;
    }

    /** Delivers {@code m} from {@code from}; returns its size. */
    private int deliver(RelayMessage m, InetSocketAddress from) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ALLOCATED_SIZE);
        m.encode(b);
        relay.deliver(b.flip(), from);
        return b.limit();
    }

    private void send(InetSocketAddress from, int toHandle, int bytes) {
        ByteBuffer b = ByteBuffer.allocate(RelayMessage.ENVELOPE + bytes);
        RelayMessage.envelope(b, RelayMessage.OP_SEND, toHandle);
        relay.deliver(b.position(b.capacity()).flip(), from);
    }

    /** What the relay sent to {@code to} since the mark {@code from} (an index in sent). */
    private List<byte[]> sentTo(InetSocketAddress to, int from) {
        List<byte[]> out = new ArrayList<>();
        for (Object[] s : sent.subList(from, sent.size())) {
            if (s[0].equals(to)) {
                out.add((byte[]) s[1]);
            }
        }
        return out;
    }

    private RelayMessage last(InetSocketAddress to) {
        List<byte[]> got = sentTo(to, 0);
        return got.isEmpty() ? null : RelayMessage.decode(ByteBuffer.wrap(got.get(got.size() - 1)));
    }

    /** The whole exchange from {@code from}: the allocation it got, or null when the relay gave none. */
    private RelayMessage allocate(InetSocketAddress from, int network, int key) {
        int mark = sent.size();
        deliver(RelayMessage.allocate(id(network), key(key), new byte[RelayMessage.TOKEN]), from);
        RelayMessage cookie = last(from);
        assertEquals(RelayMessage.OP_COOKIE, cookie.op());
        deliver(RelayMessage.allocate(id(network), key(key), cookie.token()), from);
        List<byte[]> got = sentTo(from, mark);
        RelayMessage m = RelayMessage.decode(ByteBuffer.wrap(got.get(got.size() - 1)));
        return m.op() == RelayMessage.OP_ALLOCATED ? m : null;
    }

    @Test
    void aSpoofedSourceGetsOnlyACookieNoBiggerThanTheRequestAndNothingRelayed() {
        start(125_000_000, 0);
        InetSocketAddress victim = at("203.0.113.66", 40000);
        InetSocketAddress attacker = at("198.51.100.9", 5000);
        RelayMessage own = allocate(attacker, 1, 1); // the attacker's own, in the network it names for the victim
        assertNotNull(own);
        int asked = deliver(RelayMessage.allocate(id(1), key(2), new byte[RelayMessage.TOKEN]), victim);
        byte[] forged = new byte[RelayMessage.TOKEN];
        Arrays.fill(forged, (byte) 0x5a);
        asked += deliver(RelayMessage.allocate(id(1), key(2), forged), victim); // a guessed cookie
        asked += deliver(RelayMessage.proving(RelayMessage.OP_REFRESH, own.handle(), forged), victim);
        for (int h = 1; h <= 65_535; h++) {
            send(attacker, h, 100); // every handle there is
        }
        send(victim, own.handle(), 100); // and from the victim's address to the attacker's

        assertEquals(1, relay.allocations(), "the victim's address holds nothing");
        int to = 0;
        for (byte[] b : sentTo(victim, 0)) {
            assertEquals(RelayMessage.OP_COOKIE, RelayMessage.op(ByteBuffer.wrap(b)), "only cookies");
            assertTrue(b.length <= RelayMessage.PROOF_SIZE, b.length + " bytes answer the smallest request");
            to += b.length;
        }
        assertTrue(to <= asked, to + " bytes went to the victim for the " + asked + " sent in its name");
        assertEquals(0, relay.relayedBytes());
        assertTrue(sentTo(attacker, 2).isEmpty(), "nothing relayed to the attacker either");
    }

    @Test
    void aCookieIsTheSourcesOwnAndExpires() {
        start(125_000_000, 0);
        InetSocketAddress a = at("203.0.113.7", 1000);
        deliver(RelayMessage.allocate(id(1), key(1), new byte[RelayMessage.TOKEN]), a);
        byte[] cookie = last(a).token();
        deliver(RelayMessage.allocate(id(1), key(1), cookie), at("203.0.113.7", 1001));
        assertEquals(0, relay.allocations(), "another port's cookie is no cookie");
        clock.addAndGet((2 * SourceCookies.PERIOD_SECONDS + 1) * SECOND);
        deliver(RelayMessage.allocate(id(1), key(1), cookie), a);
        assertEquals(0, relay.allocations(), "a cookie older than two periods of the relay's secret is none");
        assertNotNull(allocate(a, 1, 1), "a fresh one is");
    }

    @Test
    void aFloodFromOnePrefixGetsItsQuotaAndLeavesRoomForOthers() {
        start(125_000_000, 0);
        for (int i = 0; i < 5000; i++) {
            allocate(at("198.51.100.9", 1000 + i), 1, i);
        }
        assertEquals(RelayServer.PER_PREFIX, relay.allocations(), "one /24 holds its quota, no more");
        assertEquals(5000 - RelayServer.PER_PREFIX, relay.refused());
        assertNull(allocate(at("198.51.100.200", 1), 1, 1), "its whole /24 counts");
        assertNotNull(allocate(at("198.51.101.9", 1), 1, 1), "another prefix allocates");
        assertNotNull(allocate(at("2001:db8:1::1", 1), 1, 1));
    }

    @Test
    void threeHundredMembersBehindOneAddressAllAllocate() {
        start(125_000_000, 0);
        Set<Integer> handles = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            RelayMessage m = allocate(at("203.0.113.7", 20000 + i), 1 + i % 3, i);
            assertNotNull(m, "member " + i);
            handles.add(m.handle());
        }
        assertEquals(300, handles.size());
        assertEquals(300, relay.allocations());
    }

    @Test
    void onlyTheHolderOfAnAllocationsSecretEndsIt() {
        start(125_000_000, 0);
        InetSocketAddress m = at("203.0.113.7", 40000);
        InetSocketAddress peer = at("198.51.100.3", 40000);
        RelayMessage held = allocate(m, 1, 1);
        assertNotNull(allocate(peer, 1, 2));

        assertNull(allocate(m, 1, 9), "another key from its address, with the address's own cookie");
        assertNull(allocate(m, 2, 1), "another network");
        deliver(RelayMessage.allocate(id(2), key(9), new byte[RelayMessage.TOKEN]), m); // spoofed, never echoed
        byte[] guessed = new byte[RelayMessage.TOKEN];
        deliver(RelayMessage.proving(RelayMessage.OP_RELEASE, held.handle(), guessed), m);
        deliver(RelayMessage.proving(RelayMessage.OP_RELEASE, held.handle(), held.token()), peer); // from elsewhere
        deliver(RelayMessage.proving(RelayMessage.OP_REFRESH, held.handle(), held.token()), peer);
        assertEquals(2, relay.allocations());
        int mark = sent.size();
        send(peer, held.handle(), 10);
        assertEquals(1, sentTo(m, mark).size(), "its handle still reaches it");
        assertEquals(held.handle(), allocate(m, 1, 1).handle(), "and is still its own");

        clock.addAndGet((RelayServer.LIFETIME_SECONDS - 5) * SECOND);
        deliver(RelayMessage.proving(RelayMessage.OP_REFRESH, held.handle(), held.token()), m);
        assertEquals(held.handle(), last(m).handle(), "a proven refresh is answered with the allocation");
        clock.addAndGet((RelayServer.LIFETIME_SECONDS - 5) * SECOND);
        relay.tick();
        assertEquals(1, relay.allocations(), "kept by its refresh; the peer's expired");

        deliver(RelayMessage.proving(RelayMessage.OP_RELEASE, held.handle(), held.token()), m);
        assertEquals(0, relay.allocations(), "a proven release ends it at once");
    }

    @Test
    void theGlobalCapHoldsWhateverEachSenderMayRelay() {
        start(100_000, 10_000); // 100 kB/s from each, 10 kB/s in all
        InetSocketAddress a = at("198.51.100.1", 1);
        InetSocketAddress b = at("198.51.100.2", 1);
        InetSocketAddress c = at("203.0.113.3", 1);
        allocate(a, 1, 1);
        allocate(b, 1, 2);
        int to = allocate(c, 1, 3).handle();
        for (int second = 0; second < 3; second++) {
            long before = relay.relayedBytes();
            for (int i = 0; i < 20; i++) {
                send(a, to, 1000);
                send(b, to, 1000);
            }
            long relayed = relay.relayedBytes() - before;
            assertTrue(relayed >= 9_000 && relayed <= 10_000, relayed + " bytes relayed in second " + second);
            clock.addAndGet(SECOND);
        }
    }

    @Test
    void withoutAGlobalCapEachSenderHasItsOwnRate() {
        start(100_000, 0);
        allocate(at("198.51.100.1", 1), 1, 1);
        allocate(at("198.51.100.2", 1), 1, 2);
        int to = allocate(at("203.0.113.3", 1), 1, 3).handle();
        for (int i = 0; i < 20; i++) {
            send(at("198.51.100.1", 1), to, 1000);
            send(at("198.51.100.2", 1), to, 1000);
        }
        assertEquals(40_000, relay.relayedBytes(), "what the global cap held back above was the cap's doing");
    }

    @Test
    void theAllocateOfBeforeIsDroppedUnanswered() {
        start(125_000_000, 0);
        byte[] old = new byte[4 + 1 + 16 + 32];
        old[0] = 3;
        old[1] = (byte) RelayMessage.TYPE;
        old[4] = RelayMessage.OP_ALLOCATE;
        relay.deliver(ByteBuffer.wrap(old), at("203.0.113.7", 1));
        old[0] = 2;
        relay.deliver(ByteBuffer.wrap(old), at("203.0.113.7", 1));
        assertTrue(sent.isEmpty());
        assertEquals(2, relay.dropped());
    }
}
