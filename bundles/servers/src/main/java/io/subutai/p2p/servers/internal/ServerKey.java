package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

import io.subutai.p2p.wire.KeyAgreement;
import io.subutai.p2p.wire.KeyFile;

/**
 * A server's static X25519 key (docs/protocol.md §7.4), kept in {@code
 * <dir>/server.key} (mode 0600, in a directory of mode 0700 that no other server shares): made
 * once, forced to disk before it takes its name, the same at every start, so members that pinned
 * it keep trusting it. Immutable.
 */
public final class ServerKey {

    static final String FILE = "server.key";

    private final byte[] privateKey;
    private final byte[] publicKey;

    private ServerKey(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = KeyAgreement.publicKey(privateKey);
    }

    /** A key kept nowhere: a test's, or a simulation's. */
    public static ServerKey ephemeral() {
        return new ServerKey(KeyAgreement.generatePrivate(new SecureRandom()));
    }

    /** The key in {@code dir}, made there when there is none; the directory is made (0700) when missing. */
    public static ServerKey load(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path file = dir.resolve(FILE);
        try {
            Set<PosixFilePermission> own = PosixFilePermissions.fromString("rw-------");
            if (!own.containsAll(Files.getPosixFilePermissions(file))) {
                Files.setPosixFilePermissions(file, own); // readable by others: the owner's alone again
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            byte[] key = HexFormat.of().parseHex(text);
            if (key.length != KeyAgreement.KEY) {
                throw new IOException(file + " is not a server key file (expected 64 hex digits)");
            }
            return new ServerKey(key);
        } catch (NoSuchFileException e) {
            ServerKey key = ephemeral();
            KeyFile.write(file, HexFormat.of().formatHex(key.privateKey) + "\n");
            return key;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a server key file: " + e.getMessage());
        }
    }

    /** The public key, which members pin. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The public key as members give it: {@code -dht HOST:PORT@} this. */
    public String hex() {
        return HexFormat.of().formatHex(publicKey);
    }

    /** The key this server and the holder of {@code memberKey}'s private half agree (null: not a usable key). */
    byte[] agree(byte[] memberKey) {
        return KeyAgreement.agree(privateKey, publicKey, memberKey, io.subutai.p2p.wire.dht.DhtMessage.AGREEMENT_LABEL);
    }

    @Override
    public String toString() {
        return "ServerKey[" + hex() + "]";
    }
}
