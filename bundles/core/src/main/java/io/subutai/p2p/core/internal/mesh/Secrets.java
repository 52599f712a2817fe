package io.subutai.p2p.core.internal.mesh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * What a network's secrets become before anything derived from them goes on the wire
 * (docs/protocol.md §4, "Secrets"): the hash and every network key are stretched once, when the
 * network starts or the key is added, with Argon2id at a cost that makes each guess of a secret
 * cost as much; the network id, the key ids and the PSK all come from the stretched value, never
 * from the raw secret. The stretch holds {@link #MEMORY_KIB} KiB only while it runs.
 */
public final class Secrets {

    /** Argon2id's memory, in KiB (16 MiB), its passes and lanes, and the fixed salt (the label). */
    public static final int MEMORY_KIB = 16 * 1024;
    public static final int ITERATIONS = 6;
    public static final int LANES = 1;
    static final byte[] SALT = "p2p network secret v3".getBytes(StandardCharsets.US_ASCII);
    /** The stretched secret's length in bytes. */
    public static final int LENGTH = 32;

    private Secrets() {
    }

    /** The secret (a hash or a network key, as typed) stretched with Argon2id: what every other value of the network derives from. */
    public static byte[] stretch(String secret) {
        byte[] password = secret.getBytes(StandardCharsets.UTF_8);
        try {
            return argon2id(password, SALT, MEMORY_KIB, ITERATIONS, LANES, null, null, LENGTH);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    /**
     * A small stretch (1 MiB, 2 passes) of nothing: the first stretch in a JVM took ~0.3 s more than
     * the next ones (loading and compiling Argon2 and BLAKE2b), and a network's start makes two
     * (its hash and its key). The daemon runs this at boot, in the background.
     */
    public static void warmUp() {
        argon2id(new byte[1], SALT, 1024, 2, LANES, null, null, LENGTH);
    }

    /** Argon2id, version 1.3, as RFC 9106 defines it ({@code secret} and {@code associated} may be null). */
    static byte[] argon2id(byte[] password, byte[] salt, int memoryKib, int iterations, int lanes, byte[] secret,
            byte[] associated, int length) {
        Argon2Parameters.Builder b = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(memoryKib).withIterations(iterations)
                .withParallelism(lanes).withSalt(salt);
        if (secret != null) {
            b.withSecret(secret);
        }
        if (associated != null) {
            b.withAdditional(associated);
        }
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(b.build());
        byte[] out = new byte[length];
        g.generateBytes(password, out);
        return out;
    }

    /** The public name of a network: 16 bytes, in hex, derived from its stretched hash. */
    public static String networkId(byte[] stretchedHash) {
        return HexFormat.of().formatHex(digest("p2p network id v3", stretchedHash), 0, 16);
    }

    /** The 4-byte id by which an initiation names the network key it used, derived from the stretched key. */
    public static int keyId(byte[] stretchedKey) {
        byte[] h = digest("p2p key id v3", stretchedKey);
        return ((h[0] & 255) << 24) | ((h[1] & 255) << 16) | ((h[2] & 255) << 8) | (h[3] & 255);
    }

    private static byte[] digest(String label, byte[] input) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(label.getBytes(StandardCharsets.US_ASCII));
            return d.digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java", e);
        }
    }
}
