package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

import org.osgi.framework.BundleContext;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The relay server inside a daemon: it runs while its configuration
 * ({@code io.subutai.p2p.proxy.server}, e.g. a {@code deploy/io.subutai.p2p.proxy.server.cfg}
 * with {@code listen=:6882} and {@code dht=HOST:6881}) exists, and stops when it goes. The same
 * settings as {@code p2p proxy-server -listen -rate -max-total-mbit -dht -tcp -tls-cert -tls-key
 * -ws-path}; its self-signed TLS certificate, when it takes streams and is given none, is kept in
 * {@code <p2p.state.dir>/proxy-server}.
 */
@Component(immediate = true, configurationPid = RelayServerComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RelayServerComponent.Config.class)
public final class RelayServerComponent {

    static final String PID = "io.subutai.p2p.proxy.server";

    @ObjectClassDefinition(name = "p2p relay server")
    public @interface Config {
        @AttributeDefinition(description = "UDP address and port to listen on: ADDR:PORT, [IPv6]:PORT or :PORT")
        String listen() default ":6882";

        @AttributeDefinition(description = "Mbit/s relayed from each member, at least 1")
        int rate() default 1000;

        @AttributeDefinition(description = "Mbit/s relayed in all, at most; 0: no such cap")
        int maxTotalMbit() default 0;

        @AttributeDefinition(description = "Bootstrap servers to announce the relay to (they hand it to members): HOST:PORT, comma-separated")
        String dht() default "";

        @AttributeDefinition(description = "TCP address and port for streams (TLS, WebSocket or plain), e.g. :443; empty: none")
        String tcp() default "";

        @AttributeDefinition(description = "PEM certificate (chain) of TLS on the stream port; empty: a self-signed one")
        String tlsCert() default "";

        @AttributeDefinition(description = "PEM private key (PKCS#8) of tlsCert")
        String tlsKey() default "";

        @AttributeDefinition(description = "WebSocket path on the stream port")
        String wsPath() default "/p2p";
    }

    private final RelayServer server;

    @Activate
    public RelayServerComponent(Config config, BundleContext context, @Reference(service = LoggerFactory.class) Logger log)
            throws IOException {
        this(config, stateDir(context.getProperty("p2p.state.dir")), log);
    }

    /** The component with its state directory {@code <p2p.state.dir>/proxy-server} (null: none; then no self-signed certificate). */
    RelayServerComponent(Config config, Path dir, Logger log) throws IOException {
        InetSocketAddress address = RelayServer.configuredListen(config.listen());
        if (config.rate() < 1) {
            throw new IOException("rate=" + config.rate() + " is not a number of Mbit/s per member, at least 1");
        }
        if (config.maxTotalMbit() < 0) {
            throw new IOException("maxTotalMbit=" + config.maxTotalMbit() + " is not a number of Mbit/s in all, 0 for no cap");
        }
        StringBuilder invalid = new StringBuilder();
        List<InetSocketAddress> dht = RelayServer.bootstrapServers(config.dht(), invalid::append);
        if (dht == null) {
            throw new IOException("dht=" + config.dht() + ": '" + invalid + "' is not HOST:PORT");
        }
        if (dir == null && !config.tcp().isBlank() && config.tlsCert().isBlank()) {
            throw new IOException("p2p.state.dir is not set: the relay has nowhere to keep its TLS certificate;"
                    + " give tlsCert and tlsKey");
        }
        StreamOptions streams = StreamOptions.configured(config.tcp(), config.tlsCert(), config.tlsKey(), config.wsPath(), dir);
        this.server = RelayServer.start(address, config.rate() * 125_000L, config.maxTotalMbit() * 125_000L,
                System::nanoTime, log::info, dht, streams);
    }

    private static Path stateDir(String state) {
        return state == null || state.isBlank() ? null : Path.of(state, "proxy-server");
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** Where it takes streams, or null. */
    public InetSocketAddress streamAddress() {
        return server.streamAddress();
    }

    @Deactivate
    void deactivate() {
        server.close();
    }
}
