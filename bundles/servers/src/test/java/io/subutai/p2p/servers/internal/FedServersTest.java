package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.wire.dht.DhtMessage;

/**
 * Servers without a socket, as simulations run them: no thread of their own, fed by the caller,
 * and time passes only when the caller ticks them on their clock (here a virtual one).
 */
class FedServersTest {

    private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.1", 6881);
    private static final InetSocketAddress RELAY = new InetSocketAddress("198.51.100.2", 6882);
    private static final InetSocketAddress MEMBER = new InetSocketAddress("203.0.113.7", 40000);
    private final AtomicLong clock = new AtomicLong(7_000_000_000_000L);
    /** What the servers sent: the destination and the message. */
    private final List<Object[]> sent = new ArrayList<>();

    private DatagramServer.Outlet outlet() {
        return (data, length, to) -> sent.add(new Object[] {to, DhtMessage.decode(ByteBuffer.wrap(data, 0, length))});
    }

    /** A member's REGISTER for a cookie, then, with the cookie, the one that registers it. */
    private void register(BootstrapServer server, TestMember m) {
        int before = sent.size();
        server.deliver(ByteBuffer.wrap(m.register(false, 0, 0)), MEMBER);
        if (sent.size() > before && sent.get(before)[1] instanceof DhtMessage.Cookie c) {
            m.learn(c);
            server.deliver(ByteBuffer.wrap(m.register(false, 0, 0)), MEMBER);
        }
    }

    private static List<String> serverThreads() {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("p2p-dht-server") || t.getName().startsWith("p2p-proxy-server")) {
                out.add(t.getName());
            }
        }
        return out;
    }

    @Test
    void aFedBootstrapServerForgetsSilentMembersOnlyWhenTickedOnItsClock() {
        List<String> before = serverThreads();
        BootstrapServer server = BootstrapServer.fed(SERVER, outlet(), clock::get, m -> { }, ServerKey.ephemeral(), List.of());
        try {
            assertEquals(before, serverThreads(), "no thread of its own");
            register(server, new TestMember(new byte[16]));
            assertEquals(1, server.members());
            assertEquals(MEMBER, sent.get(sent.size() - 1)[0]);
            assertInstanceOf(DhtMessage.Welcome.class, sent.get(sent.size() - 1)[1], "answered on the caller's thread");

            clock.addAndGet((BootstrapServer.FORGET_SECONDS + 1) * 1_000_000_000L);
            assertEquals(1, server.members(), "its clock moved, but nobody ticked it");
            server.tick();
            assertEquals(0, server.members(), "forgotten at the first tick after 30 s of its clock");
        } finally {
            server.close();
        }
        register(server, new TestMember(new byte[16]));
        assertEquals(0, server.members(), "closed: nothing more is handled");
    }

    @Test
    void aFedRelayAnnouncesItselfOncePerTickedSecondAndNotMoreOften() {
        RelayServer relay = RelayServer.fed(RELAY, outlet(), 1_000_000, clock::get, m -> { }, List.of(SERVER));
        try {
            relay.tick();
            assertTrue(sent.isEmpty(), "less than a second of its clock has passed");
            clock.addAndGet(1_000_000_000L);
            relay.tick();
            assertEquals(1, sent.size());
            assertEquals(SERVER, sent.get(0)[0]);
            assertEquals(RELAY.getPort(), ((DhtMessage.Proxy) sent.get(0)[1]).port(), "it announces its port");
            clock.addAndGet(1_000_000_000L);
            relay.tick();
            assertEquals(1, sent.size(), "the next announcement is due 8 s later");
            clock.addAndGet(8_000_000_000L);
            relay.tick();
            assertEquals(2, sent.size());
        } finally {
            relay.close();
        }
        clock.addAndGet(60_000_000_000L);
        relay.tick();
        assertEquals(2, sent.size(), "closed: ticks do nothing");
    }
}
