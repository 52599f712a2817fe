package io.subutai.p2p.servers.internal;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.LongSupplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless return-routability cookies: a server answers an address it has not verified with a
 * cookie, and believes the address only once a request echoes it. A cookie is the first {@link
 * #SIZE} bytes of HMAC-SHA-256(secret, period (8) | address (4 or 16) | port (2)), where the
 * secret is random and replaced every period of the server's clock ({@link #PERIOD_SECONDS} s for
 * a relay, 60 s for the bootstrap server; the period's number); a cookie of the current period or
 * the one before is valid, so it lives one to two periods. Nothing is stored per address. The one
 * kind of cookie both servers give. Not thread-safe: the server's thread owns it.
 */
final class SourceCookies {

    static final int SIZE = 16;
    /** A relay's period. */
    static final int PERIOD_SECONDS = 120;

    private final long period;

    private final LongSupplier nanos;
    private final SecureRandom random = new SecureRandom();
    private final Mac mac;
    private long number = Long.MIN_VALUE;
    private byte[] current;
    private byte[] previous;

    /** Cookies of a relay's period. */
    SourceCookies(LongSupplier nanos) {
        this(nanos, PERIOD_SECONDS);
    }

    SourceCookies(LongSupplier nanos, int periodSeconds) {
        this.period = periodSeconds * 1_000_000_000L;
        this.nanos = nanos;
        try {
            this.mac = Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is part of every Java runtime", e);
        }
    }

    /** The cookie of {@code source} now. */
    byte[] make(InetSocketAddress source) {
        rotate();
        return mac(current, number, source);
    }

    /** Whether {@code cookie} is one this server gave {@code source} in this period or the one before. */
    boolean valid(byte[] cookie, InetSocketAddress source) {
        rotate();
        return MessageDigest.isEqual(cookie, mac(current, number, source))
                || previous != null && MessageDigest.isEqual(cookie, mac(previous, number - 1, source));
    }

    private void rotate() {
        long now = Math.floorDiv(nanos.getAsLong(), period);
        if (now == number) {
            return;
        }
        previous = now == number + 1 ? current : null;
        current = new byte[32];
        random.nextBytes(current);
        number = now;
    }

    private byte[] mac(byte[] secret, long p, InetSocketAddress source) {
        try {
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 56; i >= 0; i -= 8) {
            mac.update((byte) (p >> i));
        }
        mac.update(source.getAddress().getAddress());
        mac.update((byte) (source.getPort() >> 8));
        mac.update((byte) source.getPort());
        return Arrays.copyOf(mac.doFinal(), SIZE);
    }
}
