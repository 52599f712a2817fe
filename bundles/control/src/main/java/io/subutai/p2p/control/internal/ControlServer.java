package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.subutai.p2p.api.NetworkService;

/**
 * Serves the control API on the Unix socket {@code <p2p.state.dir>/control/rpc-<port>.sock}
 * (framework property {@code p2p.rpc.port}, default 52523, names the socket), to root and, for
 * the read-only commands, to members of the group {@code p2p.rpc.group} when one is set. With
 * {@code p2p.rpc.tcp=true} it also serves 127.0.0.1:port, where clients and daemon prove to each
 * other that they hold the token written to {@code <p2p.state.dir>/api.token}. Its threads are
 * named {@code p2p-control-*} and stopped on deactivation, when the socket and the token file
 * are removed too.
 */
@Component(immediate = true)
public final class ControlServer {

    public static final int DEFAULT_PORT = 52523;
    /** How long a client may take to send its whole request (slow clients must not hold the API). */
    static final long REQUEST_NANOS = TimeUnit.SECONDS.toNanos(2);

    // immutable
    private final Logger log;
    private final Path socket;
    private final Path tokenFile;
    private final ApiToken token;
    private final GogoShell shell;
    private final ControlListener listener;

    @Activate
    public ControlServer(BundleContext context, @Reference NetworkService network,
            @Reference CommandProcessor processor,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this.log = log;
        int port = port(context.getProperty("p2p.rpc.port"));
        boolean tcp = Boolean.parseBoolean(context.getProperty("p2p.rpc.tcp"));
        String groupName = context.getProperty("p2p.rpc.group");
        String stateDir = context.getProperty("p2p.state.dir");
        Path state = Path.of(stateDir == null ? "/var/lib/p2p" : stateDir);
        this.socket = SocketDir.socket(state, port);
        this.tokenFile = state.resolve(ApiToken.FILE_NAME);
        this.token = ApiToken.random(new SecureRandom());
        this.shell = new GogoShell(processor, System::nanoTime);
        try {
            GroupPrincipal group = groupName == null || groupName.isBlank() ? null
                    : socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(groupName.trim());
            SocketDir.prepare(socket, group);
            if (tcp) {
                token.writeTo(tokenFile);
            } else {
                Files.deleteIfExists(tokenFile); // a crashed daemon's: no client may take it for ours
            }
            // the daemon's user: it made the directory, or it owns the state directory that holds it
            Callers callers = new Callers(Files.getOwner(socket.getParent(), LinkOption.NOFOLLOW_LINKS), group);
            ControlListener l = new ControlListener(new ControlApi(network, shell), UnixDomainSocketAddress.of(socket),
                    callers, tcp ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port) : null, token,
                    REQUEST_NANOS, log::warn);
            try {
                SocketDir.secure(socket, group);
            } catch (IOException e) {
                l.close();
                throw e;
            }
            this.listener = l;
            log.info("Control API listening on {}{}{}", socket, group != null ? " (group " + group.getName()
                    + " may run show, status, debug and version)" : "", tcp ? " and 127.0.0.1:" + port : "");
        } catch (IOException e) {
            shell.close();
            token.deleteFrom(tokenFile);
            log.error("Failed to start the control API on {}{}: {}", socket, tcp ? " and 127.0.0.1:" + port : "",
                    e.getMessage());
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        listener.close();
        shell.close();
        try {
            Files.deleteIfExists(socket);
            token.deleteFrom(tokenFile);
        } catch (IOException e) {
            log.warn("Cannot remove {} or {}: {}", socket, tokenFile, e.getMessage());
        }
    }

    static int port(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        int p = Integer.parseInt(value.trim());
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("rpc port must be 1 to 65535, not " + p);
        }
        return p;
    }
}
