package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.wire.KeyFile;

/**
 * This node's static key pair, kept in {@code <state>/node.key} (mode 0600): made once by the crypto
 * suite, then the same at every start, so the node's peer ID stays the same.
 */
final class NodeKeys {

    private NodeKeys() {
    }

    /**
     * The node's keys from {@code file}, made there (and forced to disk) when there is none. A
     * file others may read is made the owner's alone again, and {@code log} says so.
     */
    static StaticKeys load(Path file, CryptoSuite suite, MeshLog log) throws IOException {
        HexFormat hex = HexFormat.of();
        try {
            tighten(file, log);
            String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(":");
            if (parts.length == 2) {
                return new StaticKeys(hex.parseHex(parts[0]), hex.parseHex(parts[1]));
            }
            throw new IOException(file + " is not a key file (expected private:public in hex)");
        } catch (NoSuchFileException e) {
            StaticKeys keys = suite.generateKeys();
            Files.createDirectories(file.getParent());
            KeyFile.write(file, hex.formatHex(keys.privateKey()) + ":" + hex.formatHex(keys.publicKey()) + "\n");
            return keys;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a key file: " + e.getMessage());
        }
    }

    /** Takes from the group and others any access to an existing key file. */
    private static void tighten(Path file, MeshLog log) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        java.util.Set<java.nio.file.attribute.PosixFilePermission> own = PosixFilePermissions.fromString("rw-------");
        if (!own.containsAll(mode)) {
            Files.setPosixFilePermissions(file, own);
            log.warn("The node key " + file + " was readable by others (" + PosixFilePermissions.toString(mode)
                    + "); it is the owner's alone now (rw-------)");
        }
    }
}
