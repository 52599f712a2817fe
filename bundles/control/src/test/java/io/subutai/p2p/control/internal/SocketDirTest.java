package io.subutai.p2p.control.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketDirTest {

    @TempDir
    Path state;

    @Test
    void withoutAGroupOnlyTheDaemonsUserReachesTheSocket() throws IOException {
        Path socket = SocketDir.socket(state, 52523);
        assertEquals(state.resolve("control/rpc-52523.sock"), socket);
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "left by a crashed daemon");
        SocketDir.prepare(socket, null);
        assertFalse(Files.exists(socket), "the stale socket is gone");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            SocketDir.secure(socket, null);
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(socket.getParent()));
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(socket));
        }
    }

    @Test
    void aGroupMayPassTheStateDirectoryAndReachTheSocket() throws IOException {
        GroupPrincipal group = state.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("nogroup");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        Path socket = SocketDir.socket(state, 7);
        SocketDir.prepare(socket, group);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            SocketDir.secure(socket, group);
            PosixFileAttributes dir = Files.readAttributes(socket.getParent(), PosixFileAttributes.class);
            assertEquals(PosixFilePermissions.fromString("rwxr-x---"), dir.permissions());
            assertEquals(group, dir.group());
            PosixFileAttributes st = Files.readAttributes(state, PosixFileAttributes.class);
            assertEquals(PosixFilePermissions.fromString("rwx--x---"), st.permissions(), "pass through, not list");
            assertEquals(group, st.group());
            assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(socket));
        }
    }

    @Test
    void aPathTooLongForASocketIsACleanError() {
        Path deep = state.resolve("d".repeat(120));
        IOException e = assertThrows(IOException.class, () -> SocketDir.prepare(SocketDir.socket(deep, 1), null));
        assertTrue(e.getMessage().contains("shorter state directory"), e.getMessage());
    }
}
