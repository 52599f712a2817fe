package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;

/**
 * The directory of the control socket, {@code <state>/control}: {@code 0700}, or
 * {@code root:GROUP 0750} when an rpc group may read, so that the kernel lets only root (and
 * that group's members) reach the socket. With a group, the state directory lets the group
 * pass through it ({@code g+x}, group GROUP), without reading or listing it.
 */
final class SocketDir {

    static final String DIR = "control";
    /** The longest path of a Unix socket (sun_path, less its terminating NUL). */
    static final int MAX_PATH = 107;

    private SocketDir() {
    }

    /** The socket's path: the rpc port is part of its name, so a client finds the daemon by state directory and port. */
    static Path socket(Path stateDir, int port) {
        return stateDir.resolve(DIR).resolve("rpc-" + port + ".sock");
    }

    /**
     * Makes (or repairs) the directory for {@code socket} and removes a socket left by a daemon
     * that died; fails with a message for the operator when that cannot be done safely.
     */
    static void prepare(Path socket, GroupPrincipal group) throws IOException {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
            throw new IOException("the control socket's path " + socket + " is longer than " + MAX_PATH
                    + " bytes: give the daemon a shorter state directory (P2P_STATE_DIR)");
        }
        Path dir = socket.getParent();
        Path state = dir.getParent();
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributes a = view.readAttributes();
        UserPrincipal owner = Files.getOwner(state, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory() || !a.owner().equals(owner)) {
            throw new IOException(dir + " must be a directory owned by " + owner.getName() + ", the owner of " + state
                    + ": remove it and restart the daemon");
        }
        Set<PosixFilePermission> mode = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        if (group != null) {
            PosixFileAttributeView stateView = Files.getFileAttributeView(state, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> stateMode = stateView.readAttributes().permissions();
            stateView.setGroup(group);
            stateMode.add(PosixFilePermission.GROUP_EXECUTE);
            stateView.setPermissions(stateMode);
            view.setGroup(group);
            mode.add(PosixFilePermission.GROUP_READ);
            mode.add(PosixFilePermission.GROUP_EXECUTE);
        }
        view.setPermissions(mode);
        Files.deleteIfExists(socket); // only this daemon may own the state directory (daemon.lock)
    }

    /** Sets the socket file's own mode: {@code 0600}, or {@code 0660} for the group. */
    static void secure(Path socket, GroupPrincipal group) throws IOException {
        // following links: a socket cannot be opened to change it without (ENXIO), and it sits in
        // a directory that only the daemon's user can write to
        PosixFileAttributeView view = Files.getFileAttributeView(socket, PosixFileAttributeView.class);
        if (group != null) {
            view.setGroup(group);
        }
        view.setPermissions(PosixFilePermissions.fromString(group != null ? "rw-rw----" : "rw-------"));
    }
}
