package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may do what on the Unix socket, from the caller's credentials ({@code SO_PEERCRED}, taken by
 * the kernel when the caller connected): the daemon's own user (root) may run everything. When an
 * rpc group is configured, other callers may run the read-only commands: the kernel let them
 * reach the socket only because they hold that group, as their primary group or a supplementary
 * one (the socket's directory is {@code root:GROUP 0750}, the socket {@code 0660}); without a
 * group, the directory is {@code 0700} and any other caller is refused here too.
 */
final class Callers {

    private final UserPrincipal daemon;
    private final GroupPrincipal group;

    /**
     * @param daemon the daemon's user (the owner of the socket it made)
     * @param group  the rpc group, or null
     */
    Callers(UserPrincipal daemon, GroupPrincipal group) {
        this.daemon = daemon;
        this.group = group;
    }

    Access of(SocketChannel channel) throws IOException {
        UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        return of(peer);
    }

    Access of(UnixDomainPrincipal peer) {
        if (peer.user().equals(daemon)) {
            return Access.ALL;
        }
        return group != null ? Access.READ_ONLY : Access.NONE;
    }
}
