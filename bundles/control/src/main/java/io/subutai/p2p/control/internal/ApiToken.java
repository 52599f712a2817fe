package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret of the control API's TCP port (only when the operator asks for TCP): a new one is
 * made at each start and written to a file that only its owner (root) can read; the client reads
 * it from there. It never crosses the socket: each side proves it holds it with an HMAC over two
 * fresh nonces, the daemon first (see {@link Frames}). Comparison takes the same time whatever the guess.
 */
final class ApiToken {

    static final String FILE_NAME = "api.token";

    private final byte[] token;

    private ApiToken(byte[] token) {
        this.token = token;
    }

    static ApiToken random(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return new ApiToken(HexFormat.of().formatHex(b).getBytes(StandardCharsets.US_ASCII));
    }

    static ApiToken of(String text) {
        return new ApiToken(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** This daemon's proof, for a TCP client, that it holds the token. */
    byte[] daemonMac(byte[] clientNonce, byte[] daemonNonce) {
        return Frames.daemonMac(token, clientNonce, daemonNonce);
    }

    /** True when {@code proof} is the client's proof of the token for these nonces (constant time). */
    boolean acceptsClientMac(byte[] clientNonce, byte[] daemonNonce, byte[] proof) {
        return proof != null && MessageDigest.isEqual(Frames.clientMac(token, clientNonce, daemonNonce), proof);
    }

    /** Writes the token to {@code file} with mode 0600, atomically (never a half-written or readable token). */
    void writeTo(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, token);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes {@code file} if it still holds this token (another daemon may have replaced it). */
    void deleteFrom(Path file) throws IOException {
        try {
            if (MessageDigest.isEqual(token, Files.readAllBytes(file))) {
                Files.delete(file);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        }
    }
}
