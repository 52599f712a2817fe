package io.subutai.p2p.wire;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file holding a private key, as nodes and servers keep theirs: mode 0600 from its
 * creation, forced to disk before it takes its name (a crash never leaves half a key), and the
 * name forced too.
 */
public final class KeyFile {

    private KeyFile() {
    }

    /** Writes {@code text} (US-ASCII) as {@code file}, whose directory exists. */
    public static void write(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException unsynced) {
                // a file system that cannot sync a directory: the rename is as durable as it makes it
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
