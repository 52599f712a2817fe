package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import com.sun.net.httpserver.HttpServer;

import io.subutai.p2p.api.NetworkService;

/**
 * Serves the control API on 127.0.0.1 at the rpc port (framework property {@code p2p.rpc.port},
 * default 52523) and writes the API token to {@code <p2p.state.dir>/api.token}. Its threads are
 * named {@code p2p-control-N} and stopped on deactivation, when the token file is removed too.
 */
@Component(immediate = true)
public final class ControlServer {

    public static final int DEFAULT_PORT = 52523;

    // immutable
    private final Logger log;
    private final Path tokenFile;
    private final ApiToken token;
    private final HttpServer server;
    private final ExecutorService executor;
    private final GogoShell shell;

    @Activate
    public ControlServer(BundleContext context, @Reference NetworkService network,
            @Reference CommandProcessor processor,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this.log = log;
        int port = port(context.getProperty("p2p.rpc.port"));
        String stateDir = context.getProperty("p2p.state.dir");
        this.tokenFile = Path.of(stateDir == null ? "/var/lib/p2p" : stateDir, ApiToken.FILE_NAME);
        this.token = ApiToken.random(new SecureRandom());
        this.shell = new GogoShell(processor, System::nanoTime);
        token.writeTo(tokenFile);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "p2p-control-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(256), threads);
        ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException e) {
            executor.shutdownNow();
            token.deleteFrom(tokenFile);
            log.error("Failed to start HTTP listener on 127.0.0.1:{}: {}", port, e.getMessage());
            throw e;
        }
        server.createContext("/", new ControlApi(token, network, shell));
        server.setExecutor(executor);
        server.start();
        log.info("Control API listening on 127.0.0.1:{}", port);
    }


    @Deactivate
    void deactivate() {
        server.stop(0);
        shell.close();
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("Control API threads did not stop within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            token.deleteFrom(tokenFile);
        } catch (IOException e) {
            log.warn("Cannot remove {}: {}", tokenFile, e.getMessage());
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
