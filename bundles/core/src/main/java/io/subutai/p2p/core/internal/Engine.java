package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.log.admin.LoggerAdmin;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.DaemonSnapshot;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.api.SetRequest;
import io.subutai.p2p.api.ShowRequest;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.api.StopRequest;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.render.Renderer;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.wire.syslog.Syslog;

/**
 * The engine: the {@link NetworkService} and the registries of every kind of plugin. Plugins
 * are bound dynamically and greedily, so a bundle that brings a better one is used without a
 * restart, and one that leaves is forgotten.
 *
 * <p>Reads from the framework: {@code p2p.version}, {@code p2p.config} (the YAML file, and
 * {@code p2p.config.required} when the user named it), {@code p2p.mtu}, {@code p2p.pmtu},
 * {@code p2p.log} and {@code p2p.syslog} (the daemon's flags), {@code p2p.tap} (the TAP driver, over the file's
 * {@code tap}) and {@code p2p.save} (the save file; none when empty).
 *
 * <p>The TAP driver in use is the registered one named by the configuration; the saved networks
 * are restored, on the engine's own thread, as soon as it is there.
 */
@Component(service = NetworkService.class, immediate = true)
public final class Engine implements NetworkService {

    // immutable
    private final Logger log;
    private final String version;
    private final DaemonConfig config;
    private final LogConsole console;
    private final PluginRegistry<TapDriver> taps;
    private final PluginRegistry<Transport> transports;
    private final PluginRegistry<DiscoveryProvider> discoveries;
    private final PluginRegistry<CryptoSuite> cryptos;
    private final PluginRegistry<SocketProvider> sockets;
    private final Path stateDir;
    private final Networks networks;
    private final java.util.concurrent.ScheduledExecutorService control;
    private final MeshLog networksLog;
    private final long started = System.nanoTime();
    private final DataPlane plane;
    private final Swaps swaps;
    private final BundleContext context;

    @Activate
    public Engine(BundleContext context,
            @Reference(service = LoggerFactory.class) Logger log,
            @Reference LogReaderService logReader,
            @Reference LoggerAdmin loggerAdmin,
            @Reference ConfigurationAdmin configurationAdmin) {
        this.log = log;
        this.context = context;
        String v = context.getProperty("p2p.version");
        this.version = v != null ? v : context.getBundle().getVersion().toString();
        String file = context.getProperty("p2p.config");
        this.config = DaemonConfig.load(file == null || file.isEmpty() ? null : Path.of(file),
                Boolean.parseBoolean(context.getProperty("p2p.config.required")),
                intProperty(context, "p2p.mtu"), Boolean.parseBoolean(context.getProperty("p2p.pmtu")),
                context.getProperty("p2p.log"), context.getProperty("p2p.tap"));
        this.console = new LogConsole(logReader, loggerAdmin, config.logLevel(), syslog(context.getProperty("p2p.syslog"), log));
        PluginRegistry.FailureReporter reporter = (kind, name, op, e) ->
                this.log.error("{} plugin '{}' failed in {}; skipped", kind, name, op, e);
        taps = new PluginRegistry<>("tap", TapDriver.PROPERTY, Constants.SERVICE_RANKING, reporter);
        transports = new PluginRegistry<>("transport", Transport.PROPERTY, Transport.PREFERENCE, reporter);
        discoveries = new PluginRegistry<>("discovery", DiscoveryProvider.PROPERTY, Constants.SERVICE_RANKING, reporter);
        cryptos = new PluginRegistry<>("crypto", CryptoSuite.PROPERTY, Constants.SERVICE_RANKING, reporter);
        sockets = new PluginRegistry<>("socket", SocketProvider.PROPERTY, Constants.SERVICE_RANKING, reporter);
        String state = context.getProperty("p2p.state.dir");
        stateDir = Path.of(state == null || state.isEmpty() ? "/var/lib/p2p" : state);
        if (file != null && !file.isEmpty() && Files.isReadable(Path.of(file))) {
            log.info("Loaded configuration from {}", file);
        }
        for (String problem : config.problems()) {
            log.error("Configuration: {}", problem);
        }
        log.info("MTU is set to {}", config.mtu());
        log.info(config.pmtu() ? "PMTU enabled" : "PMTU disabled");
        configureIpTool(configurationAdmin, config.ipTool(), !"false".equals(context.getProperty("p2p.tap.offload")));
        String save = context.getProperty("p2p.save");
        networksLog = new MeshLog() {
            @Override
            public void info(String message) {
                log.info(message);
            }

            @Override
            public void warn(String message) {
                log.error(message);
            }

            @Override
            public void debug(String message) {
                log.debug(message);
            }
        };
        control = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "p2p-core-1"));
        swaps = new Swaps(networksLog, Clock.systemUTC());
        plane = new DataPlane(sockets, cryptos, transports, discoveries, stateDir, networksLog, control, swaps);
        plane.pmtu(config.pmtu());
        networks = new Networks(() -> taps.named(config.tap()).map(PluginRegistry.Plugin::service).orElse(null),
                plane, config.tap(), config.mtu(), save == null || save.isEmpty() ? null : new SaveFile(Path.of(save)),
                networksLog, new SecureRandom(), Clock.systemUTC(), swaps);
        plane.networks(networks);
        networks.load();
    }

    /**
     * Hands the configuration's {@code iptool} (empty: find it) to the Linux TAP driver, which
     * waits for this configuration before it offers itself, with whether it may use the kernel's
     * offloads (framework property {@code p2p.tap.offload}, default true; false is for comparisons).
     */
    private void configureIpTool(ConfigurationAdmin admin, String ipTool, boolean offload) {
        try {
            Configuration c = admin.getConfiguration("io.subutai.p2p.tap.linux", "?");
            Dictionary<String, Object> props = new Hashtable<>();
            props.put("iptool", ipTool);
            props.put("offload", offload);
            c.updateIfDifferent(props);
        } catch (IOException | RuntimeException e) {
            log.error("Cannot hand iptool {} to the TAP driver: {}", ipTool, e.getMessage());
        }
    }

    /**
     * Starts the saved networks that do not run, on the engine's thread, as soon as the chosen TAP
     * driver is there, so interfaces come back first; networks join their peers when the UDP
     * sockets and the crypto suite are there too ({@link #attachWhenReady}).
     */
    private void restoreWhenReady() {
        if (taps.named(config.tap()).isPresent()) {
            runOnEngine(networks::restore);
        }
    }

    /**
     * Hands the running networks' interfaces to the TAP driver to use now (the chosen one may
     * have come, gone, or been replaced): see {@link Networks#driverChanged}.
     */
    private void tapDriverChanged() {
        Optional<PluginRegistry.Plugin<TapDriver>> p = taps.named(config.tap());
        networks.driverChanged(p.map(PluginRegistry.Plugin::service).orElse(null), p.map(PluginRegistry.Plugin::origin)
                .orElse(""), System.nanoTime());
    }

    /** Whether the whole daemon is stopping (plugins then go for good, and nothing is handed over). */
    private boolean stopping() {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        return system == null || system.getState() == Bundle.STOPPING;
    }

    private void attachWhenReady() {
        if (ready()) {
            runOnEngine(() -> {
                plane.warmUp(() -> taps.named(config.tap()).map(PluginRegistry.Plugin::service));
                networks.attachPending();
            });
        }
    }

    private void runOnEngine(Runnable task) {
        try {
            control.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the engine is stopping
        }
    }

    private boolean ready() {
        return plane.ready();
    }

    @Deactivate
    void deactivate() {
        control.shutdownNow();
        try {
            if (!control.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("The engine's thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        networks.closeAll();
        plane.close();
        console.close();
    }

    // ---- plugin references: multiple, dynamic, greedy ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTapDriver(TapDriver driver, ServiceReference<TapDriver> ref) {
        added(taps, driver, ref);
        runOnEngine(this::tapDriverChanged); // a driver that replaces the one in use takes the interfaces over
        restoreWhenReady();
    }

    void unbindTapDriver(TapDriver driver) {
        boolean used = taps.named(config.tap()).map(p -> p.service() == driver).orElse(false);
        if (used && stopping()) {
            networks.closeAll(); // the daemon stops: interfaces go with their networks, while the driver still works
        }
        removed(taps, driver);
        if (used) {
            tapDriverChanged(); // now, while its devices still work: they let the interfaces go, which stay
            restoreWhenReady();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTransport(Transport transport, ServiceReference<Transport> ref) {
        plane.transportAdded(() -> added(transports, transport, ref), transport);
    }

    void unbindTransport(Transport transport) {
        plane.transportRemoved(() -> removed(transports, transport), transport);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindDiscoveryProvider(DiscoveryProvider provider, ServiceReference<DiscoveryProvider> ref) {
        plane.discoveryAdded(() -> added(discoveries, provider, ref), provider);
    }

    void unbindDiscoveryProvider(DiscoveryProvider provider) {
        plane.discoveryRemoved(() -> removed(discoveries, provider), provider);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCryptoSuite(CryptoSuite suite, ServiceReference<CryptoSuite> ref) {
        plane.cryptosChanged(() -> added(cryptos, suite, ref), suite);
        attachWhenReady();
    }

    void unbindCryptoSuite(CryptoSuite suite) {
        if (!stopping()) {
            plane.cryptoLeaving(suite);
        }
        plane.cryptosChanged(() -> removed(cryptos, suite), null);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSocketProvider(SocketProvider provider, ServiceReference<SocketProvider> ref) {
        added(sockets, provider, ref);
        runOnEngine(() -> plane.socketsChanged(System.nanoTime())); // the networks' sockets, at their ports again
        attachWhenReady();
    }

    void unbindSocketProvider(SocketProvider provider) {
        plane.socketGone(() -> removed(sockets, provider), provider, System.nanoTime());
    }

    private <T> void added(PluginRegistry<T> registry, T service, ServiceReference<T> ref) {
        Map<String, Object> properties = new HashMap<>();
        for (String key : ref.getPropertyKeys()) {
            properties.put(key, ref.getProperty(key));
        }
        Bundle origin = ref.getBundle();
        if (origin != null) {
            properties.put(PluginRegistry.ORIGIN, origin.getSymbolicName() + " " + origin.getVersion());
        }
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
        return networks.list();
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
        describe(sockets, s -> io.subutai.p2p.spi.Availability.yes(), out);
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
        return Renderer.show(request, snapshot(), networks.history(), config.mtu());
    }

    @Override
    public CommandOutput start(StartRequest request) {
        return networks.start(request);
    }

    @Override
    public CommandOutput stop(StopRequest request) {
        return networks.stop(request);
    }

    @Override
    public CommandOutput set(SetRequest request) {
        if (!request.log().isEmpty()) {
            LogLevelName level = LogLevelName.parse(request.log());
            if (level == null) {
                return CommandOutput.error(1, "Unknown log level was specified. Supported log levels is:\n"
                        + "TRACE\nDEBUG\nINFO\nWARNING\nERROR\n");
            }
            console.setLevel(level);
            return CommandOutput.ok("Logging level has switched to " + level.name().toLowerCase(java.util.Locale.ROOT)
                    + " level\n");
        }
        if (!request.key().isEmpty()) {
            if (request.hash().isEmpty()) {
                return CommandOutput.error(2, "set -key needs -hash: the network whose key queue to add to\n");
            }
            long until = Long.MAX_VALUE;
            if (!request.ttl().isEmpty()) {
                try {
                    until = Long.parseLong(request.ttl());
                } catch (NumberFormatException e) {
                    return CommandOutput.error(2, "Invalid -ttl '" + request.ttl() + "': give a Unix time in seconds\n");
                }
            }
            if (!networks.addKey(request.hash(), request.key(), until)) {
                return CommandOutput.error(4, "Instance " + request.hash() + " wasn't found\n");
            }
            return CommandOutput.ok("Key added to the key queue of " + request.hash() + "\n");
        }
        if (!request.revoke().isEmpty()) {
            if (request.hash().isEmpty()) {
                return CommandOutput.error(2, "set -revoke needs -hash: the network to refuse the member in\n");
            }
            if (!io.subutai.p2p.core.internal.mesh.PeerIds.valid(request.revoke())) {
                return CommandOutput.error(2, "Invalid -revoke '" + request.revoke() + "': give a peer ID as show -hash lists it"
                        + " (32 hex digits, 8-4-4-4-12)\n");
            }
            if (!networks.revoke(request.hash(), request.revoke())) {
                return CommandOutput.error(4, "Instance " + request.hash() + " wasn't found\n");
            }
            return CommandOutput.ok("Peer " + request.revoke() + " revoked in " + request.hash() + "\n");
        }
        if (!request.ip().isEmpty() && !request.hash().isEmpty()) {
            return networks.readdress(request.hash(), request.ip());
        }
        return CommandOutput.error(2, "Nothing to set: give -log LEVEL, -ip IP -hash H, -key KEY [-ttl T] -hash H,"
                + " or -revoke PEER_ID -hash H\n");
    }

    @Override
    public List<io.subutai.p2p.api.NetworkCounters> counters() {
        return networks.counters();
    }

    @Override
    public CommandOutput debug(boolean json) {
        return Renderer.debug(json, snapshot());
    }

    @Override
    public CommandOutput status(String hash, boolean json) {
        return Renderer.status(hash, json, snapshot());
    }

    @Override
    public DaemonSnapshot snapshot() {
        return new DaemonSnapshot(version, (System.nanoTime() - started) / 1_000_000_000L, Thread.activeCount(),
                config.pmtu(), networks.snapshots(), swaps.snapshot());
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

    /** The sender of {@code -syslog HOST:PORT} (the launcher checked it), or null: none given, or it cannot be had now. */
    private static Syslog syslog(String spec, Logger log) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        try {
            return Syslog.open(spec);
        } catch (IllegalArgumentException e) {
            log.error("Not sending the log to syslog at {}: {}", spec, e.getMessage());
            return null;
        }
    }
}
