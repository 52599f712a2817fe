package io.subutai.p2p.servers.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

import io.subutai.p2p.wire.KeyAgreement;

/**
 * Stateless return-routability cookies (docs/protocol.md §7.3): the first 16 bytes of
 * HMAC-SHA-256, keyed with a random secret that changes every {@link #BUCKET_SECONDS} s, of the
 * source address, its port and the time bucket. A cookie is valid in its bucket and the next, so
 * for 60 to 120 s; nothing is kept per source. The server thread's alone.
 */
final class Cookies {

    static final int BUCKET_SECONDS = 60;

    private final SecureRandom random = new SecureRandom();
    private byte[] current = new byte[32];
    private byte[] previous = new byte[32];
    private long bucket = Long.MIN_VALUE;

    /** The cookie for {@code from} now. */
    byte[] make(InetSocketAddress from, long nanos) {
        rotate(nanos);
        return cookie(current, from, bucket);
    }

    /** Whether {@code cookie} is one this server gave {@code from} in this bucket or the one before. */
    boolean valid(byte[] cookie, InetSocketAddress from, long nanos) {
        rotate(nanos);
        return KeyAgreement.same(cookie, cookie(current, from, bucket))
                | KeyAgreement.same(cookie, cookie(previous, from, bucket - 1));
    }

    private void rotate(long nanos) {
        long b = Math.floorDiv(nanos, BUCKET_SECONDS * 1_000_000_000L);
        if (b == bucket) {
            return;
        }
        previous = b == bucket + 1 ? current : fresh();
        current = fresh();
        bucket = b;
    }

    private byte[] fresh() {
        byte[] s = new byte[32];
        random.nextBytes(s);
        return s;
    }

    private static byte[] cookie(byte[] secret, InetSocketAddress from, long bucket) {
        byte[] a = from.getAddress().getAddress();
        ByteBuffer b = ByteBuffer.allocate(a.length + 2 + 8).put(a).putShort((short) from.getPort()).putLong(bucket);
        return KeyAgreement.mac(secret, b.array(), 0, b.capacity()); // MAC and COOKIE are both 16 bytes
    }
}
