package io.subutai.p2p.core.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.log.admin.LoggerAdmin;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.api.ShowRequest;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.Transport;

/**
 * The engine: the {@link NetworkService} and the registries of every kind of plugin. Plugins
 * are bound dynamically and greedily, so a bundle that brings a better one is used without a
 * restart, and one that leaves is forgotten.
 *
 * <p>Reads from the framework: {@code p2p.version}, {@code p2p.config} (the YAML file, and
 * {@code p2p.config.required} when the user named it), {@code p2p.mtu}, {@code p2p.pmtu} and
 * {@code p2p.log} (the daemon's flags).
 */
@Component(service = NetworkService.class, immediate = true)
public final class Engine implements NetworkService {

    static final String ORIGIN = "p2p.origin";

    // immutable
    private final Logger log;
    private final String version;
    private final DaemonConfig config;
    private final LogConsole console;
    private final PluginRegistry<TapDriver> taps;
    private final PluginRegistry<Transport> transports;
    private final PluginRegistry<DiscoveryProvider> discoveries;
    private final PluginRegistry<CryptoSuite> cryptos;

    @Activate
    public Engine(BundleContext context,
            @Reference(service = LoggerFactory.class) Logger log,
            @Reference LogReaderService logReader,
            @Reference LoggerAdmin loggerAdmin) {
        this.log = log;
        String v = context.getProperty("p2p.version");
        this.version = v != null ? v : context.getBundle().getVersion().toString();
        String file = context.getProperty("p2p.config");
        this.config = DaemonConfig.load(file == null || file.isEmpty() ? null : Path.of(file),
                Boolean.parseBoolean(context.getProperty("p2p.config.required")),
                intProperty(context, "p2p.mtu"), Boolean.parseBoolean(context.getProperty("p2p.pmtu")),
                context.getProperty("p2p.log"));
        this.console = new LogConsole(logReader, loggerAdmin, config.logLevel());
        PluginRegistry.FailureReporter reporter = (kind, name, op, e) ->
                this.log.error("{} plugin '{}' failed in {}; skipped", kind, name, op, e);
        taps = new PluginRegistry<>("tap", TapDriver.PROPERTY, Constants.SERVICE_RANKING, reporter);
        transports = new PluginRegistry<>("transport", Transport.PROPERTY, Transport.PREFERENCE, reporter);
        discoveries = new PluginRegistry<>("discovery", DiscoveryProvider.PROPERTY, Constants.SERVICE_RANKING, reporter);
        cryptos = new PluginRegistry<>("crypto", CryptoSuite.PROPERTY, Constants.SERVICE_RANKING, reporter);
        if (file != null && !file.isEmpty() && Files.isReadable(Path.of(file))) {
            log.info("Loaded configuration from {}", file);
        }
        for (String problem : config.problems()) {
            log.error("Configuration: {}", problem);
        }
        log.info("MTU is set to {}", config.mtu());
        log.info(config.pmtu() ? "PMTU enabled" : "PMTU disabled");
    }

    @Deactivate
    void deactivate() {
        console.close();
    }

    // ---- plugin references: multiple, dynamic, greedy ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTapDriver(TapDriver driver, Map<String, Object> properties) {
        added(taps, driver, properties);
    }

    void unbindTapDriver(TapDriver driver) {
        removed(taps, driver);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTransport(Transport transport, Map<String, Object> properties) {
        added(transports, transport, properties);
    }

    void unbindTransport(Transport transport) {
        removed(transports, transport);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindDiscoveryProvider(DiscoveryProvider provider, Map<String, Object> properties) {
        added(discoveries, provider, properties);
    }

    void unbindDiscoveryProvider(DiscoveryProvider provider) {
        removed(discoveries, provider);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCryptoSuite(CryptoSuite suite, Map<String, Object> properties) {
        added(cryptos, suite, properties);
    }

    void unbindCryptoSuite(CryptoSuite suite) {
        removed(cryptos, suite);
    }

    private <T> void added(PluginRegistry<T> registry, T service, Map<String, Object> properties) {
        PluginRegistry.Plugin<T> p = registry.add(service, properties);
        log.info("Plugin added: {} '{}'", registry.kind(), p.name());
    }

    private <T> void removed(PluginRegistry<T> registry, T service) {
        registry.remove(service).ifPresent(p -> log.info("Plugin removed: {} '{}'", registry.kind(), p.name()));
    }

    // ---- NetworkService ----

    @Override
    public String version() {
        return version;
    }

    @Override
    public List<NetworkInfo> networks() {
        // Network instances (TAP device, switch, peers) arrive with the TAP drivers: roadmap item 2.
        return List.of();
    }

    @Override
    public int mtu() {
        return config.mtu();
    }

    @Override
    public List<PluginInfo> plugins() {
        List<PluginInfo> out = new ArrayList<>();
        describe(taps, TapDriver::availability, out);
        describe(transports, Transport::availability, out);
        describe(discoveries, DiscoveryProvider::availability, out);
        describe(cryptos, CryptoSuite::availability, out);
        return out;
    }

    private static <T> void describe(PluginRegistry<T> registry, java.util.function.Function<T, Availability> probe,
            List<PluginInfo> out) {
        for (PluginRegistry.Plugin<T> p : registry.snapshot()) {
            Availability a = registry.call(p, "availability", probe)
                    .orElse(Availability.no("the plugin failed to answer"));
            out.add(new PluginInfo(registry.kind(), p.name(), p.ranking(), p.origin(), a.available(), a.reason(),
                    p.failures()));
        }
    }

    @Override
    public CommandOutput show(ShowRequest request) {
        return ShowCommand.render(request, networks(), config.mtu());
    }

    private static int intProperty(BundleContext context, String name) {
        String v = context.getProperty(name);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
