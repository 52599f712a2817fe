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
 * The bootstrap server inside a daemon: it runs while its configuration
 * ({@code io.subutai.p2p.dht.server}, e.g. a {@code deploy/io.subutai.p2p.dht.server.cfg} with
 * {@code listen=:6881}, and {@code relays=HOST:PORT,...} to offer relays of other hosts) exists, and
 * stops when it goes. Its key is kept in {@code <p2p.state.dir>/dht-server}. With {@code
 * tcp=ADDR:PORT} it takes streams there too ({@code tlsCert}, {@code tlsKey}, {@code wsPath}, as
 * {@code p2p dht-server -tcp -tls-cert -tls-key -ws-path}); its self-signed certificate, when it
 * is given none, is kept in that directory as well.
 */
@Component(immediate = true, configurationPid = BootstrapServerComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = BootstrapServerComponent.Config.class)
public final class BootstrapServerComponent {

    static final String PID = "io.subutai.p2p.dht.server";

    @ObjectClassDefinition(name = "p2p bootstrap server")
    public @interface Config {
        @AttributeDefinition(description = "UDP address and port to listen on: ADDR:PORT, [IPv6]:PORT or :PORT")
        String listen() default ":6881";

        @AttributeDefinition(description = "relays it may offer members, HOST:PORT, comma-separated; empty: only relays on this host")
        String relays() default "";

        @AttributeDefinition(description = "TCP address and port for streams (TLS, WebSocket or plain), e.g. :443; empty: none")
        String tcp() default "";

        @AttributeDefinition(description = "PEM certificate (chain) of TLS on the stream port; empty: a self-signed one")
        String tlsCert() default "";

        @AttributeDefinition(description = "PEM private key (PKCS#8) of tlsCert")
        String tlsKey() default "";

        @AttributeDefinition(description = "WebSocket path on the stream port")
        String wsPath() default "/p2p";
    }

    private final BootstrapServer server;

    @Activate
    public BootstrapServerComponent(Config config, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        this(config, stateDir(context.getProperty("p2p.state.dir")), log);
    }

    /** The component with its state directory {@code <p2p.state.dir>/dht-server}. */
    BootstrapServerComponent(Config config, Path dir, Logger log) throws IOException {
        InetSocketAddress address = BootstrapServer.configuredListen(config.listen());
        List<InetSocketAddress> relays = RelayServer.bootstrapServers(config.relays(), s -> { });
        if (relays == null) {
            throw new IOException("relays=" + config.relays() + " is not a list of HOST:PORT (addresses, not names)");
        }
        StreamOptions streams = StreamOptions.configured(config.tcp(), config.tlsCert(), config.tlsKey(), config.wsPath(), dir);
        this.server = BootstrapServer.start(address, System::nanoTime, log::info, ServerKey.load(dir), relays, streams);
    }

    private static Path stateDir(String state) throws IOException {
        if (state == null || state.isBlank()) {
            throw new IOException("p2p.state.dir is not set: the bootstrap server has nowhere to keep its key");
        }
        return Path.of(state, "dht-server");
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** Where it takes streams, or null. */
    public InetSocketAddress streamAddress() {
        return server.streamAddress();
    }

    /** The key members pin, in hex. */
    public String key() {
        return server.key().hex();
    }

    @Deactivate
    void deactivate() {
        server.close();
    }
}
