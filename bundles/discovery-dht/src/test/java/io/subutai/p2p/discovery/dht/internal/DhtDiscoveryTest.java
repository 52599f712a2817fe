package io.subutai.p2p.discovery.dht.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.spi.Credentials;
import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.DatagramPort;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.Scheduler;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.wire.KeyAgreement;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * The member side of the bootstrap protocol, against a server the test plays: it trusts only
 * answers MACed with the key it agreed with the server's pinned key, and only records tagged
 * with the network's key.
 */
class DhtDiscoveryTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NETWORK = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
    private static final byte[] NET = HexFormat.of().parseHex(NETWORK);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 6881);
    private static final byte[] RECORD_KEY = new byte[32];

    private final byte[] serverPrivate = KeyAgreement.generatePrivate(RANDOM);
    private final byte[] serverKey = KeyAgreement.publicKey(serverPrivate);
    private final byte[] selfPrivate = KeyAgreement.generatePrivate(RANDOM);
    private final byte[] self = KeyAgreement.publicKey(selfPrivate);
    private final List<byte[]> toServer = new ArrayList<>();
    private final List<String> logged = new ArrayList<>();
    private final List<Sighting> seen = new ArrayList<>();
    private final List<byte[]> gone = new ArrayList<>();
    private final List<Ipv4Cidr> assigned = new ArrayList<>();
    private final List<String> learned = new ArrayList<>();
    private final List<Runnable> due = new ArrayList<>();
    private DatagramHandler handler;
    private Membership membership;
    private DhtDiscovery discovery;

    /** Tags with {@link #RECORD_KEY}; agrees with this node's key. */
    private final Credentials credentials = new Credentials() {
        @Override
        public byte[] seal(byte[] record) {
            return KeyAgreement.mac(RECORD_KEY, record, 0, record.length);
        }

        @Override
        public boolean verify(byte[] record, byte[] tag) {
            return KeyAgreement.same(seal(record), tag);
        }

        @Override
        public byte[] agree(byte[] peerPublic, String label) {
            return KeyAgreement.agree(selfPrivate, self, peerPublic, label);
        }
    };

    private Membership join(String dht, boolean automatic) {
        return join(dht, automatic, true);
    }

    private Membership join(String dht, boolean automatic, boolean localEndpoints) {
        discovery = new DhtDiscovery(config(localEndpoints), logger());
        DatagramPort socket = new DatagramPort() {
            @Override
            public InetSocketAddress localAddress() {
                return new InetSocketAddress("127.0.0.1", 40000);
            }

            @Override
            public void send(InetSocketAddress to, ByteBuffer datagram) {
                byte[] b = new byte[datagram.remaining()];
                datagram.get(b);
                toServer.add(b);
            }

            @Override
            public AutoCloseable register(int type, DatagramHandler h) {
                handler = h;
                return () -> { };
            }
        };
        Scheduler loop = new Scheduler() {
            @Override
            public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
                due.add(task);
                return () -> due.remove(task);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
        DiscoveryListener listener = new DiscoveryListener() {
            @Override
            public void peerSeen(Sighting s) {
                seen.add(s);
            }

            @Override
            public void peerGone(byte[] k) {
                gone.add(k);
            }

            @Override
            public void addressAssigned(Ipv4Cidr a) {
                assigned.add(a);
            }

            @Override
            public void serverKeyLearned(String server, byte[] key) {
                learned.add(server + "@" + HexFormat.of().formatHex(key));
            }
        };
        return membership = discovery.join(new NetworkRef(NETWORK, new PeerId("self"), self, List.of(), socket, List.of(dht), null,
                automatic, loop, credentials), listener);
    }

    @AfterEach
    void leave() {
        if (discovery != null) {
            discovery.deactivate();
        }
    }

    private void runDue() {
        List<Runnable> now = new ArrayList<>(due);
        due.clear();
        now.forEach(Runnable::run);
    }

    private byte[] agreed() {
        return KeyAgreement.agree(serverPrivate, serverKey, self, DhtMessage.AGREEMENT_LABEL);
    }

    private void fromServer(DhtMessage m, byte[] macKey) {
        ByteBuffer b = ByteBuffer.allocate(1452);
        DhtMessage.encode(m, b, macKey);
        handler.received(SERVER, b.flip());
    }

    private DhtMessage.Register lastRegister() {
        return (DhtMessage.Register) DhtMessage.decode(ByteBuffer.wrap(toServer.get(toServer.size() - 1)));
    }

    /** The first REGISTER, the cookie and the server's key in answer, and the REGISTER that follows at once. */
    private void handshake() {
        runDue();
        assertEquals(1, toServer.size(), "a first REGISTER");
        fromServer(new DhtMessage.Cookie(NET, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, serverKey), null);
        runDue(); // the loop registers again
    }

    private DhtMessage.Member member(byte[] key, long time, int address, int prefix, boolean goodTag) {
        DhtRecord r = new DhtRecord(key, time, false, address, prefix, List.of(new InetSocketAddress("192.168.9.9", 5000)));
        DhtMessage.Signed s = DhtMessage.Signed.of(r, credentials::seal);
        byte[] tag = goodTag ? s.tag() : new byte[16];
        return new DhtMessage.Member(new InetSocketAddress("203.0.113.5", 6000), new DhtMessage.Signed(s.bytes(), tag, r));
    }

    @Test
    void aServerKeyIsLearnedOnFirstContactAndTheCookieEchoedWithProof() {
        join("127.0.0.1:6881", false);
        handshake();
        assertEquals(List.of("127.0.0.1:6881@" + HexFormat.of().formatHex(serverKey)), learned, "kept for the next start");
        assertEquals(2, toServer.size(), "registers again at once, with the cookie");
        DhtMessage.Register r = lastRegister();
        assertEquals(1, r.cookie()[0]);
        assertTrue(DhtMessage.authentic(ByteBuffer.wrap(toServer.get(1)), agreed()), "and proof of its key");
        assertTrue(credentials.verify(r.signed().bytes(), r.signed().tag()), "its record tagged with the network's key");
        assertArrayEquals(self, r.signed().record().staticKey());
    }

    @Test
    void withoutLocalEndpointsARecordTellsNoInterfaceAddressOnlyRelayHandles() {
        join("127.0.0.1:6881", false, true);
        handshake();
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 40000)), lastRegister().signed().record().endpoints(),
                "by default, the socket's address (here bound to one)");
        discovery.deactivate();
        toServer.clear();
        InetSocketAddress handle = new InetSocketAddress("198.51.100.2", 6882);
        membership = join("127.0.0.1:6881", false, false);
        membership.updateEndpoints(List.of(handle));
        handshake();
        assertEquals(List.of(handle), lastRegister().signed().record().endpoints(), "only what the engine adds");
    }

    @Test
    void answersWithoutAValidMacAreIgnored() {
        join("127.0.0.1:6881", true);
        handshake();
        byte[] forged = KeyAgreement.generatePrivate(RANDOM); // any key but the agreed one
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x01020304, 1, 8), forged);
        fromServer(new DhtMessage.Peers(NET, List.of(member(new byte[32], 1, 0, 0, true))), forged);
        fromServer(new DhtMessage.Gone(NET, List.of(new byte[32])), forged);
        fromServer(new DhtMessage.Relays(NET, List.of(DhtMessage.Relay.udp(SERVER))), null);
        assertTrue(assigned.isEmpty() && seen.isEmpty() && gone.isEmpty(), "nothing taken from a spoofed answer");
        assertTrue(String.join("\n", membership.describe()).contains("4 answers without a valid MAC ignored"),
                membership.describe().toString());

        byte[] peer = KeyAgreement.publicKey(KeyAgreement.generatePrivate(RANDOM));
        fromServer(new DhtMessage.Peers(NET, List.of(member(peer, 1, 0, 0, true))), agreed());
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x0a000105, 24, 8), agreed());
        fromServer(new DhtMessage.Gone(NET, List.of(peer)), agreed());
        assertEquals(1, seen.size(), "the server's own answers count");
        assertEquals(List.of(new Ipv4Cidr(0x0a000105, 24)), assigned);
        assertEquals(1, gone.size());
    }

    @Test
    void recordsWhoseTagFailsAreDroppedAndOlderOnesNeverReplaceNewer() {
        join("127.0.0.1:6881", false);
        handshake();
        byte[] peer = KeyAgreement.publicKey(KeyAgreement.generatePrivate(RANDOM));
        fromServer(new DhtMessage.Peers(NET, List.of(member(peer, 5, 0, 0, false))), agreed());
        assertTrue(seen.isEmpty(), "a record the server (or anyone) made without the network's key");
        assertTrue(String.join("\n", membership.describe()).contains("1 dropped (tag failed)"));
        assertTrue(logged.stream().anyMatch(l -> l.contains("tag fails")), logged.toString());
        fromServer(new DhtMessage.Peers(NET, List.of(member(peer, 5, 0, 0, true))), agreed());
        assertEquals(1, seen.size());
        assertEquals(List.of(new InetSocketAddress("192.168.9.9", 5000), new InetSocketAddress("203.0.113.5", 6000)),
                seen.get(0).endpoints(), "its own endpoints, then where the server saw it");
        fromServer(new DhtMessage.Peers(NET, List.of(member(peer, 4, 0, 0, true))), agreed());
        assertEquals(1, seen.size(), "an older record of the same member is not taken");
    }

    @Test
    void aServerShowingAnotherKeyThanThePinnedOneIsRefused() {
        byte[] other = KeyAgreement.publicKey(KeyAgreement.generatePrivate(RANDOM));
        join("127.0.0.1:6881@" + HexFormat.of().formatHex(other), true);
        handshake();
        assertEquals(1, toServer.size(), "no REGISTER for a server with the wrong key");
        assertTrue(learned.isEmpty());
        assertTrue(logged.stream().anyMatch(l -> l.contains("shows the key " + HexFormat.of().formatHex(serverKey))
                && l.contains("not the pinned " + HexFormat.of().formatHex(other))), logged.toString());
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x0a000105, 24, 8), agreed());
        assertTrue(assigned.isEmpty(), "nor anything it says");
    }

    @Test
    void aDhcpMemberTakesOnlyAnAddressInTheSubnetTheMembersRecordsAgreeOn() {
        join("127.0.0.1:6881", true);
        handshake();
        for (int i = 1; i <= 2; i++) {
            byte[] peer = KeyAgreement.publicKey(KeyAgreement.generatePrivate(RANDOM));
            fromServer(new DhtMessage.Peers(NET, List.of(member(peer, 1, 0x0a2a0000 + i, 24, true))), agreed());
        }
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x0b000005, 24, 8), agreed());
        assertTrue(assigned.isEmpty(), "11.0.0.5/24 is outside 10.42.0.0/24");
        toServer.clear();
        lastRegisterAfterUpdate(); // the next REGISTER asks in the agreed subnet
        DhtRecord asked = lastRegister().signed().record();
        assertEquals(0x0a2a0000, asked.address() & 0xffffff00);
        assertEquals(24, asked.prefix());
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x0a2a0007, 24, 8), agreed());
        assertEquals(List.of(new Ipv4Cidr(0x0a2a0007, 24)), assigned);
    }

    @Test
    void anAddressGivenWithSetIpIsRegisteredAtOnceAndNoServerReplacesIt() {
        join("127.0.0.1:6881", true);
        handshake();
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x0a2a0007, 24, 8), agreed());
        assertEquals(List.of(new Ipv4Cidr(0x0a2a0007, 24)), assigned);
        toServer.clear();
        membership.updateAddress(new Ipv4Cidr(0x0a2a0009, 24)); // set -ip 10.42.0.9
        runDue();
        assertFalse(toServer.isEmpty(), "registered again at the next tick");
        DhtRecord record = lastRegister().signed().record();
        assertEquals(0x0a2a0009, record.address(), "with the new address");
        assertEquals(24, record.prefix());
        assertFalse(record.wantsAddress(), "asking for none any more");
        fromServer(new DhtMessage.Welcome(NET, SERVER, 0x0a2a0007, 24, 8), agreed());
        assertEquals(List.of(new Ipv4Cidr(0x0a2a0007, 24)), assigned, "what the server says replaces it no more");
    }

    private void lastRegisterAfterUpdate() {
        membership.updateEndpoints(List.of()); // registers again at the next tick
        runDue();
        assertFalse(toServer.isEmpty());
        assertInstanceOf(DhtMessage.Register.class, lastRegister());
    }

    private static DhtDiscovery.Config config(boolean localEndpoints) {
        return (DhtDiscovery.Config) Proxy.newProxyInstance(DhtDiscovery.Config.class.getClassLoader(),
                new Class<?>[] {DhtDiscovery.Config.class}, (proxy, method, args) ->
                        method.getName().equals("localEndpoints") ? localEndpoints : method.getDefaultValue());
    }

    private Logger logger() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof String format) {
                        List<Object> values = new ArrayList<>();
                        for (int i = 1; i < args.length; i++) {
                            if (args[i] instanceof Object[] many) {
                                values.addAll(Arrays.asList(many));
                            } else {
                                values.add(args[i]);
                            }
                        }
                        String line = format;
                        for (Object v : values) {
                            line = line.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(String.valueOf(v)));
                        }
                        logged.add(line);
                    }
                    return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
    }

    /** A stream transport as a test plays it: one link per open, connected when the test says, remembering what was sent. */
    private static final class FakeStreams implements io.subutai.p2p.spi.Streams {
        final List<io.subutai.p2p.spi.StreamTarget> opened = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        volatile boolean connected;
        volatile boolean closed;
        DatagramHandler receiver;

        @Override
        public io.subutai.p2p.spi.StreamLink open(io.subutai.p2p.spi.StreamTarget target, DatagramHandler r) {
            opened.add(target);
            receiver = r;
            return new io.subutai.p2p.spi.StreamLink() {
                @Override
                public boolean send(ByteBuffer datagram) {
                    byte[] b = new byte[datagram.remaining()];
                    datagram.duplicate().get(b);
                    sent.add(b);
                    return connected;
                }

                @Override
                public boolean connected() {
                    return connected;
                }

                @Override
                public InetSocketAddress remote() {
                    return new InetSocketAddress("127.0.0.1", 443);
                }

                @Override
                public String describe() {
                    return "wss, " + (connected ? "connected" : "connecting");
                }

                @Override
                public void close() {
                    closed = true;
                }
            };
        }

        void fromServer(DhtMessage m, byte[] macKey) {
            ByteBuffer b = ByteBuffer.allocate(1452);
            DhtMessage.encode(m, b, macKey);
            receiver.received(new InetSocketAddress("127.0.0.1", 443), b.flip());
        }
    }

    @Test
    void aServerNamedByAStreamUrlWaitsForAStreamTransportThenRegistersThroughIt() {
        join("wss://127.0.0.1@" + HexFormat.of().formatHex(serverKey), false);
        runDue();
        assertTrue(toServer.isEmpty(), "nothing goes out over UDP to a stream server");
        assertTrue(String.join("\n", membership.describe()).contains("wss://127.0.0.1:443/p2p: not reachable: needs a stream"
                + " transport, which is not installed (p2p:feature-install p2p-transport-tcp)"), membership.describe().toString());

        FakeStreams streams = new FakeStreams();
        discovery.bindStreams(streams); // the feature is installed while the network runs
        runDue();
        assertEquals(1, streams.opened.size());
        assertEquals("wss://127.0.0.1:443/p2p", streams.opened.get(0).url());
        assertTrue(streams.sent.isEmpty(), "nothing sent before the link is up");
        streams.connected = true;
        runDue();
        assertEquals(1, streams.sent.size(), "registers as soon as the link is up");
        streams.fromServer(new DhtMessage.Cookie(NET, new byte[16], serverKey), null);
        runDue();
        assertEquals(2, streams.sent.size(), "the cookie echoed at once, with proof");
        assertTrue(DhtMessage.authentic(ByteBuffer.wrap(streams.sent.get(1)), agreed()));

        streams.fromServer(new DhtMessage.Welcome(NET, new InetSocketAddress("203.0.113.7", 0), 0, 0, 8), agreed());
        byte[] peer = KeyAgreement.publicKey(KeyAgreement.generatePrivate(RANDOM));
        DhtMessage.Member overStream = member(peer, 1, 0, 0, true);
        streams.fromServer(new DhtMessage.Peers(NET, List.of(new DhtMessage.Member(new InetSocketAddress("203.0.113.8", 0),
                overStream.signed()))), agreed());
        assertEquals(1, seen.size(), "the answers over the stream are taken");
        assertEquals(List.of(new InetSocketAddress("192.168.9.9", 5000)), seen.get(0).endpoints(),
                "a member the server saw over a stream has no reflexive UDP endpoint to try");
        assertEquals(null, seen.get(0).reflexive());
        assertFalse(String.join("\n", membership.describe()).contains("sees this node as"), "no UDP mapping to tell");

        discovery.unbindStreams(streams); // uninstalled
        assertTrue(streams.closed, "its links are closed");
        assertTrue(String.join("\n", membership.describe()).contains("needs a stream transport"));
        assertTrue(toServer.isEmpty(), "and still nothing over UDP");
    }
}
