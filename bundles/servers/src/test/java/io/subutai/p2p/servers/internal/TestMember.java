package io.subutai.p2p.servers.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

import io.subutai.p2p.wire.KeyAgreement;
import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.DhtRecord;

/**
 * A member as a bootstrap server's tests play it, without a socket: its static key, the
 * network's record key (tags), the cookie and server key it learned, and the datagrams it sends.
 */
final class TestMember {

    static final byte[] RECORD_KEY = new byte[32];
    private static final SecureRandom RANDOM = new SecureRandom();

    final byte[] networkId;
    final byte[] privateKey = KeyAgreement.generatePrivate(RANDOM);
    final byte[] key = KeyAgreement.publicKey(privateKey);
    byte[] cookie = new byte[DhtMessage.COOKIE];
    byte[] agreed; // with the server, once its key is known
    List<InetSocketAddress> locals = List.of(new InetSocketAddress("192.168.5.5", 7000));
    private long time = 1;

    TestMember(byte[] networkId) {
        this.networkId = networkId;
    }

    /** A REGISTER as this member sends it now: its cookie, its tagged record, its MAC. */
    byte[] register(boolean wants, int address, int prefix) {
        DhtRecord r = new DhtRecord(key, time++, wants, address, prefix, locals);
        return bytes(new DhtMessage.Register(networkId, cookie, DhtMessage.Signed.of(r, TestMember::tag)), agreed);
    }

    /** A LEAVE as this member sends it now. */
    byte[] leave() {
        return bytes(new DhtMessage.Leave(networkId, key, time++), agreed);
    }

    /** Learns the cookie and the server's key from a cookie reply. */
    void learn(DhtMessage.Cookie c) {
        cookie = c.cookie();
        agreed = KeyAgreement.agree(privateKey, key, c.serverKey(), DhtMessage.AGREEMENT_LABEL);
    }

    /** Whether {@code datagram} from the server carries this member's MAC. */
    boolean authentic(byte[] datagram) {
        return DhtMessage.authentic(ByteBuffer.wrap(datagram), agreed);
    }

    static byte[] tag(byte[] record) {
        return KeyAgreement.mac(RECORD_KEY, record, 0, record.length);
    }

    static byte[] bytes(DhtMessage m, byte[] macKey) {
        ByteBuffer b = ByteBuffer.allocate(1452);
        DhtMessage.encode(m, b, macKey);
        return Arrays.copyOf(b.array(), b.position());
    }
}
