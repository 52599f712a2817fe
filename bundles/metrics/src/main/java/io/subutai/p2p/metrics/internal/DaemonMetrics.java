package io.subutai.p2p.metrics.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.metrics.MetricsEndpoint;

/**
 * Serves the daemon's metrics while it runs with {@code -metrics ADDR:PORT} (framework property
 * {@value #LISTEN}; {@value #TOKEN} names a file with the bearer token scrapes must carry). Without
 * the property it does nothing; the daemon installs this bundle only when it is given.
 */
@Component(immediate = true)
public final class DaemonMetrics {

    static final String LISTEN = "p2p.metrics";
    static final String TOKEN = "p2p.metrics.token";

    private final MetricsEndpoint endpoint;

    @Activate
    public DaemonMetrics(BundleContext context, @Reference NetworkService network,
            @Reference(service = LoggerFactory.class) Logger log) {
        String listen = context.getProperty(LISTEN);
        String tokenFile = context.getProperty(TOKEN);
        MetricsEndpoint started = null;
        if (listen != null && !listen.isBlank()) {
            try {
                InetSocketAddress at = io.subutai.p2p.wire.ListenAddress.parse(listen);
                String token = tokenFile == null || tokenFile.isBlank() ? null : MetricsEndpoint.readToken(Path.of(tokenFile));
                started = MetricsEndpoint.start(at, token, () -> DaemonFamilies.of(network.version(), network.counters()),
                        "p2p-metrics");
                InetSocketAddress bound = started.address();
                log.info("Metrics at http://{}:{}/metrics{}", bound.getAddress().getHostAddress(), bound.getPort(),
                        token == null ? "" : " (scrapes must carry the bearer token in " + tokenFile + ")");
            } catch (IOException | IllegalArgumentException e) {
                log.error("No metrics: {}", e.getMessage());
            }
        }
        this.endpoint = started;
    }

    @Deactivate
    void deactivate() {
        if (endpoint != null) {
            endpoint.close();
        }
    }
}
