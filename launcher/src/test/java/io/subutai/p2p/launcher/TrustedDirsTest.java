package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directories the root daemon loads from must be root's and writable by no one else (the threat review's M6). */
class TrustedDirsTest {

    @TempDir
    Path tmp;

    @Test
    void aDirectoryOthersMayWriteToIsRefusedWithTheFix() throws Exception {
        Path conf = Files.createDirectory(tmp.resolve("conf"));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxrwxrwx"));
        assumeRoot();
        assertEquals("the configuration directory " + conf + " is writable by other users than root (rwxrwxrwx), and the root"
                + " daemon loads from it: chmod go-w " + conf, TrustedDirs.problem(conf, "the configuration directory"));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertNull(TrustedDirs.problem(conf, "the configuration directory"));
        assertNull(TrustedDirs.problem(tmp.resolve("deploy"), "the bundle directory"), "one that does not exist holds nothing");
    }

    @Test
    void aDirectoryOwnedByAnotherUserIsRefused() throws Exception {
        assumeRoot();
        Path deploy = Files.createDirectory(tmp.resolve("deploy"));
        Files.setAttribute(deploy, "unix:uid", 4711);
        assertEquals("the bundle directory " + deploy + " is owned by uid 4711, not root, and the root daemon loads from it:"
                + " chown root " + deploy, TrustedDirs.problem(deploy, "the bundle directory"));
    }

    private static void assumeRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.err.println("\n*** SKIPPED: TrustedDirsTest needs root (the directories are root's to check). ***\n");
        }
        assumeTrue(root, "needs root");
    }
}
