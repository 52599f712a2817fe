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
import io.subutai.p2p.wire.KeyAgreement;
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

    /**
     * The static key pair this node uses in the network {@code networkId}: an X25519 key derived
     * from the node's key and the id (HMAC-SHA-256), so it is the same at every start, yet no one
     * can tell that the members two networks see are one node (docs/protocol.md §4.0). Every
     * suite's static keys are X25519.
     */
    static StaticKeys forNetwork(StaticKeys node, String networkId) {
        byte[] nodePrivate = node.privateKey();
        byte[] privateKey = KeyAgreement.hmac(nodePrivate, NETWORK_KEY_LABEL, networkId.getBytes(StandardCharsets.US_ASCII));
        try {
            return new StaticKeys(privateKey, KeyAgreement.publicKey(privateKey));
        } finally {
            java.util.Arrays.fill(privateKey, (byte) 0);
            java.util.Arrays.fill(nodePrivate, (byte) 0);
        }
    }

    private static final byte[] NETWORK_KEY_LABEL = "p2p network static key v3".getBytes(StandardCharsets.US_ASCII);

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
