package io.subutai.p2p.launcher;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * How hard a network secret is to guess, estimated the way password meters do: the characters
 * it could be made of (lower and upper case letters, digits, the rest), to the power of its
 * length, where a character that repeats the one before it counts for nothing; and fresh keys.
 */
final class SecretStrength {

    /** Below this many bits of estimated strength a secret is called weak. */
    static final int WEAK_BITS = 64;

    private SecretStrength() {
    }

    /** The estimated strength of {@code secret}, in bits. */
    static int bits(String secret) {
        boolean lower = false;
        boolean upper = false;
        boolean digit = false;
        boolean other = false;
        int length = 0;
        int before = -1;
        for (int i = 0; i < secret.length(); ) {
            int c = secret.codePointAt(i);
            i += Character.charCount(c);
            lower |= c >= 'a' && c <= 'z';
            upper |= c >= 'A' && c <= 'Z';
            digit |= c >= '0' && c <= '9';
            other |= !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9');
            if (c != before) {
                length++;
            }
            before = c;
        }
        int pool = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
        return pool == 0 ? 0 : (int) Math.floor(length * Math.log(pool) / Math.log(2));
    }

    /** A fresh 256-bit key, base64url without padding (43 characters), as {@code p2p keygen} prints it. */
    static String newKey(SecureRandom random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    }

    /** The one-line warning for a weak secret, or null when it is not weak. */
    static String warning(String secret, boolean isKey) {
        int bits = bits(secret);
        if (bits >= WEAK_BITS) {
            return null;
        }
        return "Warning: the network's secret (" + (isKey ? "its -key" : "its hash, as no -key was given") + ") is weak: about "
                + bits + " bits, and anyone who sees its traffic may guess it offline; use -key with a key from 'p2p keygen'";
    }
}
