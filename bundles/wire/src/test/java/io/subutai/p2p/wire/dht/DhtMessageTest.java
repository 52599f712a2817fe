package io.subutai.p2p.wire.dht;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

class DhtMessageTest {

    static final byte[] NET = new byte[16];
    static final byte[] KEY = new byte[32];
    static final byte[] MAC_KEY = new byte[32];
    static final List<InetSocketAddress> ENDPOINTS = List.of(new InetSocketAddress("192.168.1.5", 4000),
            new InetSocketAddress("2001:db8::7", 4000));

    static {
        for (int i = 0; i < 32; i++) {
            KEY[i] = (byte) (i + 1);
            MAC_KEY[i] = (byte) (100 + i);
            if (i < 16) {
                NET[i] = (byte) (0xa0 + i);
            }
        }
    }

    static byte[] bytes(DhtMessage m) {
        ByteBuffer b = ByteBuffer.allocate(1452);
        DhtMessage.encode(m, b, MAC_KEY);
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static DhtMessage.Signed signed(boolean wants, int address, int prefix) {
        return DhtMessage.Signed.of(new DhtRecord(KEY, 1_700_000_000_000L, wants, address, prefix, ENDPOINTS),
                b -> Arrays.copyOf(b, 16));
    }

    private static DhtMessage roundTrip(DhtMessage m) {
        byte[] b = bytes(m);
        assertEquals(io.subutai.p2p.wire.Header.VERSION, b[0]);
        assertEquals(DhtMessage.TYPE, b[1]);
        DhtMessage back = DhtMessage.decode(ByteBuffer.wrap(b));
        assertArrayEquals(b, bytes(back), "decodes to what encodes back the same");
        return back;
    }

    @Test
    void everyMessageRoundTrips() {
        DhtMessage.Register r = (DhtMessage.Register) roundTrip(new DhtMessage.Register(NET, new byte[16],
                signed(true, 0x0a000005, 24)));
        assertEquals(ENDPOINTS, r.signed().record().endpoints());
        assertTrue(r.signed().record().wantsAddress());
        assertEquals(0x0a000005, r.signed().record().address());
        DhtMessage.Welcome w = (DhtMessage.Welcome) roundTrip(
                new DhtMessage.Welcome(NET, new InetSocketAddress("203.0.113.9", 61000), 0x0a000007, 24, 10));
        assertEquals(61000, w.reflexive().getPort());
        assertEquals(0, ((DhtMessage.Welcome) roundTrip(new DhtMessage.Welcome(NET, new InetSocketAddress("203.0.113.9", 0),
                0x0a000007, 24, 10))).reflexive().getPort(), "a member over a stream: no UDP mapping at the server");
        DhtMessage.Peers p = (DhtMessage.Peers) roundTrip(new DhtMessage.Peers(NET,
                List.of(new DhtMessage.Member(new InetSocketAddress("203.0.113.9", 61000), signed(false, 0, 0)))));
        assertArrayEquals(KEY, p.members().get(0).signed().record().staticKey());
        roundTrip(new DhtMessage.Gone(NET, List.of(KEY, KEY)));
        assertEquals(77L, ((DhtMessage.Leave) roundTrip(new DhtMessage.Leave(NET, KEY, 77L))).time());
        assertEquals(6882, ((DhtMessage.Proxy) roundTrip(new DhtMessage.Proxy(new byte[16], 6882))).port());
        byte[] certificate = new byte[32];
        Arrays.fill(certificate, (byte) 7);
        DhtMessage.Proxy streaming = (DhtMessage.Proxy) roundTrip(new DhtMessage.Proxy(new byte[16], 6882, 443, certificate));
        assertEquals(443, streaming.streamPort());
        assertArrayEquals(certificate, streaming.certificate());
        List<DhtMessage.Relay> relays = ((DhtMessage.Relays) roundTrip(new DhtMessage.Relays(NET, List.of(
                DhtMessage.Relay.udp(ENDPOINTS.get(0)), new DhtMessage.Relay(ENDPOINTS.get(1), 443, certificate))))).relays();
        assertEquals(List.of(ENDPOINTS.get(0), ENDPOINTS.get(1)), relays.stream().map(DhtMessage.Relay::address).toList());
        assertEquals(0, relays.get(0).streamPort());
        assertNull(relays.get(0).certificate());
        assertEquals(443, relays.get(1).streamPort());
        assertArrayEquals(certificate, relays.get(1).certificate());
        assertArrayEquals(KEY, ((DhtMessage.Cookie) roundTrip(new DhtMessage.Cookie(NET, new byte[16], KEY))).serverKey());
    }

    @Test
    void theMacCoversEveryByteAndOnlyTheAgreedKeyMakesIt() {
        byte[] b = bytes(new DhtMessage.Welcome(NET, new InetSocketAddress("203.0.113.9", 61000), 0x0a000007, 24, 10));
        assertTrue(DhtMessage.authentic(ByteBuffer.wrap(b), MAC_KEY));
        assertFalse(DhtMessage.authentic(ByteBuffer.wrap(b), KEY), "another key");
        for (int i = 0; i < b.length; i++) {
            byte[] c = b.clone();
            c[i] ^= 1;
            assertFalse(DhtMessage.authentic(ByteBuffer.wrap(c), MAC_KEY), "byte " + i + " changed");
        }
        assertFalse(DhtMessage.authentic(ByteBuffer.wrap(b), null));
    }

    @Test
    void aCookieReplyIsSmallerThanAnyRegister() {
        byte[] cookie = bytes(new DhtMessage.Cookie(NET, new byte[16], KEY));
        DhtMessage.Signed least = DhtMessage.Signed.of(new DhtRecord(KEY, 0, true, 0, 0, List.of()), b -> new byte[16]);
        assertTrue(cookie.length <= bytes(new DhtMessage.Register(NET, new byte[16], least)).length,
                "an unverified source never gets more than it sent");
    }

    @Test
    void anythingOffTheSpecificationIsRefused() {
        byte[] good = bytes(new DhtMessage.Register(NET, new byte[16], signed(false, 0, 0)));
        assertNull(DhtMessage.decode(ByteBuffer.wrap(Arrays.copyOf(good, good.length + 1))), "a byte too many");
        assertNull(DhtMessage.decode(ByteBuffer.wrap(Arrays.copyOf(good, good.length - 1))), "a byte too few");
        int record = 4 + 1 + 16 + 16 + 1;
        byte[] flags = good.clone();
        flags[record + 32 + 8] = 2;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(flags)), "unknown flag");
        byte[] prefix = good.clone();
        prefix[record + 32 + 8 + 1 + 4] = 33;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(prefix)), "prefix over 32");
        byte[] op = good.clone();
        op[4] = 10;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(op)), "unknown operation");
        byte[] family = good.clone();
        family[record + 32 + 8 + 1 + 4 + 1 + 1] = 5;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(family)), "unknown address family");
        byte[] version = good.clone();
        version[0] = 2;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(version)), "an earlier version");
    }

    @Test
    void theRendezvousRelayOfVersionTwoIsGone() {
        byte[] relay = new byte[4 + 1 + 16 + 32 + 2 + 3 + 16];
        relay[0] = io.subutai.p2p.wire.Header.VERSION;
        relay[1] = (byte) DhtMessage.TYPE;
        relay[4] = (byte) DhtMessage.OP_RELAY_REMOVED;
        relay[4 + 1 + 16 + 32 + 1] = 3;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(relay)));
    }

    @FuzzTest(maxDuration = "10m")
    void decodingNeverThrowsAndWhatItAcceptsEncodesBackTheSame(byte[] input) {
        DhtMessage m = DhtMessage.decode(ByteBuffer.wrap(input));
        if (m == null) {
            return;
        }
        byte[] back = bytes(m);
        int covered = DhtMessage.authenticated(input.length > 4 ? input[4] : 0) ? input.length - DhtMessage.MAC : input.length;
        if (back.length != input.length || !Arrays.equals(back, 0, covered, input, 0, covered)) {
            throw new AssertionError("accepted bytes that are not the message they decode to");
        }
    }
}
