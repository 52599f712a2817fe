package io.subutai.p2p.wire.dht;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

class DhtMessageTest {

    static final byte[] NET = new byte[16];
    static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            KEY[i] = (byte) (i + 1);
            if (i < 16) {
                NET[i] = (byte) (0xa0 + i);
            }
        }
    }

    static byte[] bytes(DhtMessage m) {
        ByteBuffer b = ByteBuffer.allocate(1452);
        DhtMessage.encode(m, b);
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
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
        List<InetSocketAddress> endpoints = List.of(new InetSocketAddress("192.168.1.5", 4000),
                new InetSocketAddress("2001:db8::7", 4000));
        DhtMessage.Register r = (DhtMessage.Register) roundTrip(new DhtMessage.Register(NET, KEY, endpoints, true, 0x0a000005, 24));
        assertEquals(endpoints, r.endpoints());
        assertTrue(r.wantsAddress());
        assertEquals(0x0a000005, r.address());
        DhtMessage.Welcome w = (DhtMessage.Welcome) roundTrip(
                new DhtMessage.Welcome(NET, new InetSocketAddress("203.0.113.9", 61000), 0x0a000007, 24, 10));
        assertEquals(61000, w.reflexive().getPort());
        DhtMessage.Peers p = (DhtMessage.Peers) roundTrip(new DhtMessage.Peers(NET, List.of(new DhtMessage.Member(KEY, endpoints))));
        assertArrayEquals(KEY, p.members().get(0).staticKey());
        roundTrip(new DhtMessage.Gone(NET, List.of(KEY, KEY)));
        DhtMessage.Relay relay = (DhtMessage.Relay) roundTrip(new DhtMessage.Relay(NET, KEY, new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, relay.payload());
        roundTrip(new DhtMessage.Leave(NET, KEY));
        assertEquals(6882, ((DhtMessage.Proxy) roundTrip(new DhtMessage.Proxy(new byte[16], 6882))).port());
        assertEquals(endpoints, ((DhtMessage.Relays) roundTrip(new DhtMessage.Relays(NET, endpoints))).relays());
    }

    @Test
    void anythingOffTheSpecificationIsRefused() {
        byte[] good = bytes(new DhtMessage.Register(NET, KEY, List.of(new InetSocketAddress("10.0.0.1", 5)), false, 0, 0));
        assertNull(DhtMessage.decode(ByteBuffer.wrap(java.util.Arrays.copyOf(good, good.length + 1))), "a byte too many");
        assertNull(DhtMessage.decode(ByteBuffer.wrap(java.util.Arrays.copyOf(good, good.length - 1))), "a byte too few");
        byte[] flags = good.clone();
        flags[4 + 1 + 16 + 32] = 2;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(flags)), "unknown flag");
        byte[] prefix = good.clone();
        prefix[4 + 1 + 16 + 32 + 1 + 4] = 33;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(prefix)), "prefix over 32");
        byte[] op = good.clone();
        op[4] = 9;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(op)), "unknown operation");
        byte[] family = good.clone();
        family[4 + 1 + 16 + 32 + 1 + 4 + 1 + 1] = 5;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(family)), "unknown address family");
        byte[] version = good.clone();
        version[0] = 1;
        assertNull(DhtMessage.decode(ByteBuffer.wrap(version)), "another version");
    }

    @FuzzTest(maxDuration = "10m")
    void decodingNeverThrowsAndWhatItAcceptsEncodesBackTheSame(byte[] input) {
        DhtMessage m = DhtMessage.decode(ByteBuffer.wrap(input));
        if (m != null && !java.util.Arrays.equals(bytes(m), input)) {
            throw new AssertionError("accepted bytes that are not the message they decode to");
        }
    }
}
