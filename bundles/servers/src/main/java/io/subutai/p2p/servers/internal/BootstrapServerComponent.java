package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;

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
 * {@code listen=:6881}) exists, and stops when it goes.
 */
@Component(immediate = true, configurationPid = BootstrapServerComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = BootstrapServerComponent.Config.class)
public final class BootstrapServerComponent {

    static final String PID = "io.subutai.p2p.dht.server";

    @ObjectClassDefinition(name = "p2p bootstrap server")
    public @interface Config {
        @AttributeDefinition(description = "UDP address and port to listen on: ADDR:PORT, [IPv6]:PORT or :PORT")
        String listen() default ":6881";
    }

    private final BootstrapServer server;

    @Activate
    public BootstrapServerComponent(Config config, @Reference(service = LoggerFactory.class) Logger log) throws IOException {
        InetSocketAddress address = BootstrapServer.configuredListen(config.listen());
        this.server = BootstrapServer.start(address, System::nanoTime, log::info);
    }

    /** Where it listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    @Deactivate
    void deactivate() {
        server.close();
    }
}
