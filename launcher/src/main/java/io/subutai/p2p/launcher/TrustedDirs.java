package io.subutai.p2p.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The directories the root daemon loads code and configuration from ({@code deploy/} and
 * {@code conf/} of the distribution) and keeps its keys in (the state directory): a user who can
 * write to one could make root run their code, or read the network keys. So each must be owned
 * by root and writable by nobody else; the directories themselves are checked, not their parents.
 */
final class TrustedDirs {

    private TrustedDirs() {
    }

    /** What is wrong with {@code dir}, in a line that says how to fix it; null when nothing is (or it does not exist). */
    static String problem(Path dir, String what) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            Object uid = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (uid instanceof Integer u && u != 0) {
                return what + " " + dir + " is owned by uid " + u + ", not root, and the root daemon loads from it: "
                        + "chown root " + dir;
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                return what + " " + dir + " is writable by other users than root (" + PosixFilePermissions.toString(mode)
                        + "), and the root daemon loads from it: chmod go-w " + dir;
            }
            return null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "cannot check who may write to " + what + " " + dir + ": " + e.getMessage();
        }
    }
}
