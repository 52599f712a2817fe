package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.wire.dht.DhtMessage;

/**
 * What the threat review asked of the bootstrap server (H1, H2, H3, H7, M4, L8), on a fed server
 * whose every datagram out the test sees: no more bytes than a request to a source not verified,
 * nothing changed without proof of a member's key, addresses only members decide, relays only the
 * operator allows.
 */
class BootstrapServerSecurityTest {

    private static final byte[] NET = new byte[16];
    private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.1", 6881);
    private final AtomicLong clock = new AtomicLong(5_000_000_000_000L);
    /** What the server sent: to whom, and the bytes. */
    private final List<Sent> sent = new ArrayList<>();
    private final List<String> said = new ArrayList<>();
    private BootstrapServer server;

    private record Sent(InetSocketAddress to, byte[] data) {
        DhtMessage message() {
            return DhtMessage.decode(ByteBuffer.wrap(data));
        }
    }

    private void start(List<InetSocketAddress> relays) {
        server = BootstrapServer.fed(SERVER, (data, length, to) -> sent.add(new Sent(to, Arrays.copyOf(data, length))),
                clock::get, said::add, ServerKey.ephemeral(), relays);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static InetSocketAddress at(int n) {
        return new InetSocketAddress("203.0." + (n >> 8 & 255) + "." + (n & 255), 40000 + (n & 1023));
    }

    private void deliver(byte[] datagram, InetSocketAddress from) {
        server.deliver(ByteBuffer.wrap(datagram), from);
    }

    /** Registers {@code m} from {@code from} as a member does: for a cookie first, then with it and proof of its key. */
    private void join(TestMember m, InetSocketAddress from, boolean wants, int address, int prefix) {
        if (m.agreed == null) {
            int before = sent.size();
            deliver(m.register(wants, address, prefix), from);
            m.learn((DhtMessage.Cookie) sent.get(before).message());
        }
        deliver(m.register(wants, address, prefix), from);
    }

    private List<Sent> sentSince(int from) {
        return new ArrayList<>(sent.subList(from, sent.size()));
    }

    private static int bytesTo(List<Sent> s, InetSocketAddress to) {
        return s.stream().filter(x -> x.to().equals(to)).mapToInt(x -> x.data().length).sum();
    }

    private <T extends DhtMessage> T last(Class<T> kind, InetSocketAddress to) {
        T found = null;
        for (Sent s : sent) {
            if (s.to().equals(to) && kind.isInstance(s.message())) {
                found = kind.cast(s.message());
            }
        }
        return found;
    }

    @Test
    void anUnverifiedSourceGetsNoMoreThanItSentAndNobodyElseHearsOfIt() {
        start(List.of());
        for (int i = 0; i < 1023; i++) {
            if (i % 100 == 0) {
                clock.addAndGet(1_000_000_000L); // within the keys one prefix may prove per second
                server.tick();
            }
            join(new TestMember(NET), at(i), false, 0, 0);
        }
        assertEquals(1023, server.members());
        InetSocketAddress x = new InetSocketAddress("192.0.2.77", 5555);
        TestMember newcomer = new TestMember(NET);
        byte[] request = newcomer.register(false, 0, 0);
        int before = sent.size();
        deliver(request, x);
        List<Sent> answer = sentSince(before);
        assertTrue(bytesTo(answer, x) <= request.length, bytesTo(answer, x) + " bytes for a request of " + request.length);
        assertEquals(answer.size(), answer.stream().filter(s -> s.to().equals(x)).count(), "nothing to any other member");
        assertInstanceOf(DhtMessage.Cookie.class, answer.get(0).message());

        newcomer.learn((DhtMessage.Cookie) answer.get(0).message());
        before = sent.size();
        deliver(newcomer.register(false, 0, 0), x);
        long peers = sentSince(before).stream().filter(s -> s.to().equals(x) && s.message() instanceof DhtMessage.Peers).count();
        assertTrue(peers > 1, "with the cookie and proof of its key, the member list follows: " + peers + " datagrams");
        assertTrue(sentSince(before).stream().filter(s -> s.to().equals(x)).allMatch(s -> newcomer.authentic(s.data())),
                "every answer is MACed with the key the member and the server agree");

        byte[] replayed = newcomer.register(false, 0, 0); // valid for x, sent from y
        InetSocketAddress y = new InetSocketAddress("192.0.2.99", 6666);
        before = sent.size();
        deliver(replayed, y);
        List<Sent> toReplay = sentSince(before);
        assertTrue(bytesTo(toReplay, y) <= replayed.length, "a replay from elsewhere gets no more than it sent");
        assertEquals(toReplay.size(), toReplay.stream().filter(s -> s.to().equals(y)).count(), "and nobody else hears of it");
    }

    @Test
    void withoutProofOfItsKeyNobodyMovesOrRemovesAMember() {
        start(List.of());
        TestMember victim = new TestMember(NET);
        TestMember other = new TestMember(NET);
        InetSocketAddress a = at(1);
        join(victim, a, false, 0, 0);
        join(other, at(2), false, 0, 0);

        // the attacker knows the victim's public key (PEERS gives it out), not its private key
        InetSocketAddress b = new InetSocketAddress("192.0.2.66", 6666);
        TestMember impostor = new TestMember(NET);
        byte[] stolen = victim.key;
        System.arraycopy(stolen, 0, impostor.key, 0, 32);
        impostor.locals = List.of(new InetSocketAddress("192.0.2.66", 9999));
        int before = sent.size();
        join(impostor, b, false, 0, 0);
        assertTrue(sentSince(before).stream().allMatch(s -> s.to().equals(b) && s.message() instanceof DhtMessage.Cookie),
                "only a cookie: no PEERS, to anyone");
        deliver(impostor.leave(), b);
        assertEquals(2, server.members(), "a LEAVE without proof removes nobody");
        assertTrue(server.unproven() >= 2);

        join(other, at(2), false, 0, 0); // the other member's refresh: the victim as it registered
        DhtMessage.Member seen = last(DhtMessage.Peers.class, at(2)).members().get(0);
        assertEquals(a, seen.reflexive(), "reflexive address unchanged");
        assertEquals(victim.locals, seen.signed().record().endpoints(), "local endpoints unchanged");

        byte[] oldLeave = victim.leave();
        join(victim, a, false, 0, 0); // a newer record than that LEAVE
        deliver(oldLeave, a);
        assertEquals(2, server.members(), "an old LEAVE replayed after a newer registration removes nobody");
        deliver(victim.leave(), a);
        assertEquals(1, server.members(), "its own, current LEAVE does");
    }

    @Test
    void outsidersNeitherSetTheSubnetNorTakeAMembersAddress() {
        start(List.of());
        TestMember first = new TestMember(NET);
        join(first, at(1), false, 0x00000001, 1); // 0.0.0.1/1
        assertEquals(0, last(DhtMessage.Welcome.class, at(1)).address(), "a /1 claim is refused");
        join(first, at(1), false, 0x40000001, 2); // 64.0.0.1/2
        assertEquals(0, last(DhtMessage.Welcome.class, at(1)).address(), "a /2 claim too");
        TestMember dhcp = new TestMember(NET);
        join(dhcp, at(2), true, 0x40000000, 2); // even asking in a /2 does not make the server allocate over it
        DhtMessage.Welcome w = last(DhtMessage.Welcome.class, at(2));
        assertEquals(24, w.prefix());
        assertEquals(10, w.address() >>> 24, "a sane 10.x.y.z/24");

        TestMember holder = new TestMember(NET);
        join(holder, at(3), false, 0x0a2a0001, 24);
        assertEquals(0x0a2a0001, last(DhtMessage.Welcome.class, at(3)).address());
        TestMember claimant = new TestMember(NET);
        join(claimant, at(4), false, 0x0a2a0001, 24);
        assertEquals(0, last(DhtMessage.Welcome.class, at(4)).address(), "a claim of a held address is refused");
        TestMember asker = new TestMember(NET);
        join(asker, at(5), true, 0x0a2a0001, 24);
        assertNotEquals(0x0a2a0001, last(DhtMessage.Welcome.class, at(5)).address(), "and never handed out");
        join(holder, at(3), false, 0x0a2a0001, 24);
        assertEquals(0x0a2a0001, last(DhtMessage.Welcome.class, at(3)).address(), "the holder keeps it");
    }

    @Test
    void onlyRelaysTheOperatorAllowsAreOffered() throws Exception {
        InetSocketAddress configured = new InetSocketAddress("198.51.100.7", 6882);
        start(List.of(configured));
        deliver(TestMember.bytes(new DhtMessage.Proxy(new byte[16], 6882), null), configured);
        for (int i = 0; i < 8; i++) {
            deliver(TestMember.bytes(new DhtMessage.Proxy(new byte[16], 7000 + i), null),
                    new InetSocketAddress("192.0.2.5", 30000 + i));
        }
        TestMember m = new TestMember(NET);
        join(m, at(1), false, 0, 0);
        assertEquals(List.of(DhtMessage.Relay.udp(configured)), last(DhtMessage.Relays.class, at(1)).relays());
        assertTrue(said.stream().anyMatch(l -> l.contains("offers only these relays")), said.toString());
        server.close();

        sent.clear();
        said.clear();
        start(List.of()); // no allowlist: relays on the server's own host only
        deliver(TestMember.bytes(new DhtMessage.Proxy(new byte[16], 7000), null), new InetSocketAddress("192.0.2.5", 30000));
        join(m = new TestMember(NET), at(1), false, 0, 0);
        assertEquals(null, last(DhtMessage.Relays.class, at(1)), "a stranger's relay is never offered");
        deliver(TestMember.bytes(new DhtMessage.Proxy(new byte[16], 6882), null),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001));
        join(m, at(1), false, 0, 0);
        assertEquals(List.of(DhtMessage.Relay.udp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 6882))),
                last(DhtMessage.Relays.class, at(1)).relays(), "one on this host is");
        assertTrue(said.stream().anyMatch(l -> l.contains("-relay HOST:PORT")), "says how to allow others: " + said);
    }

    @Test
    void theSilentMembersOfANetworkAreAnnouncedInFewGoneMessages() {
        start(List.of());
        for (int i = 0; i < 20; i++) {
            join(new TestMember(NET), at(i), false, 0, 0);
        }
        TestMember stays = new TestMember(NET);
        InetSocketAddress at = new InetSocketAddress("192.0.2.1", 4000);
        clock.addAndGet((BootstrapServer.FORGET_SECONDS - 5) * 1_000_000_000L);
        join(stays, at, false, 0, 0);
        int before = sent.size();
        clock.addAndGet(6_000_000_000L);
        server.tick();
        assertEquals(1, server.members());
        List<Sent> gone = sentSince(before);
        assertEquals(2, gone.size(), "20 keys in 2 GONE messages (16 at most each), to the one left");
        assertEquals(20, gone.stream().mapToInt(g -> ((DhtMessage.Gone) g.message()).staticKeys().size()).sum());
        assertTrue(gone.stream().allMatch(g -> g.to().equals(at) && stays.authentic(g.data())));
    }

    @Test
    void oneSourcePrefixProvesABoundedNumberOfNewKeysPerSecond() {
        start(List.of());
        List<TestMember> many = new ArrayList<>();
        for (int i = 0; i < BootstrapServer.PROOFS_PER_PREFIX_SECOND + 50; i++) {
            TestMember m = new TestMember(NET);
            many.add(m);
            join(m, new InetSocketAddress("203.0.0.9", 2000 + i), false, 0, 0);
        }
        assertEquals(BootstrapServer.PROOFS_PER_PREFIX_SECOND, server.members(), "no more X25519 work than that in one second");
        join(new TestMember(NET), new InetSocketAddress("192.0.2.1", 4000), false, 0, 0);
        assertEquals(BootstrapServer.PROOFS_PER_PREFIX_SECOND + 1, server.members(), "another prefix is not held up");
        clock.addAndGet(1_000_000_000L);
        server.tick();
        join(many.get(many.size() - 1), new InetSocketAddress("203.0.0.9", 2000 + many.size() - 1), false, 0, 0);
        assertEquals(BootstrapServer.PROOFS_PER_PREFIX_SECOND + 2, server.members(), "the next second, more");
    }

    @Test
    void portZeroTheRemovedRendezvousAndEarlierVersionsGetNothing() {
        start(List.of());
        TestMember m = new TestMember(NET);
        deliver(m.register(false, 0, 0), new InetSocketAddress("192.0.2.1", 0));
        assertTrue(sent.isEmpty(), "from port 0: dropped");

        join(m, at(1), false, 0, 0);
        int before = sent.size();
        byte[] relay = new byte[4 + 1 + 16 + 32 + 2 + 1 + 16];
        relay[0] = io.subutai.p2p.wire.Header.VERSION;
        relay[1] = (byte) DhtMessage.TYPE;
        relay[4] = (byte) DhtMessage.OP_RELAY_REMOVED;
        System.arraycopy(m.key, 0, relay, 4 + 1 + 16, 32);
        relay[4 + 1 + 16 + 32 + 1] = 1;
        deliver(relay, at(1));
        assertEquals(before, sent.size(), "the rendezvous RELAY is refused");

        byte[] v2 = m.register(false, 0, 0);
        v2[0] = 2;
        deliver(v2, at(1));
        deliver(v2, at(1));
        assertEquals(before, sent.size(), "a version-2 REGISTER gets nothing");
        assertEquals(2, server.olderVersion());
        assertEquals(1, said.stream().filter(l -> l.contains("protocol version 2")).count(), "one log line, not one each: " + said);
    }

    @Test
    void oneSourcePrefixCannotFillTheServerAndSilentMembersGoInBoundedSweeps() {
        start(List.of());
        for (int i = 0; i < 300; i++) { // networks of their own, all from 203.0.0.0/24
            if (i % BootstrapServer.PROOFS_PER_PREFIX_SECOND == 0) {
                clock.addAndGet(1_000_000_000L); // within the keys one prefix may prove per second
                server.tick();
            }
            byte[] net = new byte[16];
            net[0] = (byte) i;
            net[1] = (byte) (i >> 8);
            join(new TestMember(net), new InetSocketAddress("203.0.0.9", 1000 + i), false, 0, 0);
        }
        assertEquals(BootstrapServer.NETWORKS_PER_PREFIX, server.members(), "at most its quota of networks (one member each)");
        assertEquals(300 - BootstrapServer.NETWORKS_PER_PREFIX, server.refusedByQuota());
        TestMember honest = new TestMember(NET);
        join(honest, new InetSocketAddress("192.0.2.1", 4000), false, 0, 0);
        assertEquals(BootstrapServer.NETWORKS_PER_PREFIX + 1, server.members(), "a member from elsewhere still registers");

        clock.addAndGet((BootstrapServer.FORGET_SECONDS - 8) * 1_000_000_000L);
        join(honest, new InetSocketAddress("192.0.2.1", 4000), false, 0, 0);
        clock.addAndGet(9_000_000_000L);
        server.tick();
        assertEquals(1, server.members(), "the silent are forgotten, the one that refreshed is not");
    }
}
