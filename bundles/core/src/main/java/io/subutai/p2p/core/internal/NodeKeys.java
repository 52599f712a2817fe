package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.StaticKeys;

/**
 * This node's static key pair, kept in {@code <state>/node.key} (mode 0600): made once by the crypto
 * suite, then the same at every start, so the node's peer ID stays the same.
 */
final class NodeKeys {

    private NodeKeys() {
    }

    static StaticKeys load(Path file, CryptoSuite suite) throws IOException {
        HexFormat hex = HexFormat.of();
        try {
            String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(":");
            if (parts.length == 2) {
                return new StaticKeys(hex.parseHex(parts[0]), hex.parseHex(parts[1]));
            }
            throw new IOException(file + " is not a key file (expected private:public in hex)");
        } catch (NoSuchFileException e) {
            StaticKeys keys = suite.generateKeys();
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "node.key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, hex.formatHex(keys.privateKey()) + ":" + hex.formatHex(keys.publicKey()) + "\n");
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return keys;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a key file: " + e.getMessage());
        }
    }
}
