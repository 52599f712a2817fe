package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Installs feature {@value #FEATURE} when this daemon's configuration asks it to run a server: a
 * ConfigAdmin configuration with one of the {@link #PIDS} exists when the daemon starts or appears
 * later (a {@code conf/} or {@code deploy/} {@code *.cfg} file that FileInstall reads, or
 * ConfigAdmin directly). A member without such a configuration never loads a server.
 *
 * <p>The install is for this run only, not kept in {@code features.state}: configurations are read
 * anew at every start, so a server whose configuration is still there comes back after a restart,
 * and one whose configuration is gone does not. Removing the configuration stops the server (its
 * component is deactivated, which frees its port); the bundle stays until the next start.
 *
 * <p>Installs run on one thread of its own ({@code p2p-provision-1}), never on ConfigAdmin's event
 * thread nor inside SCR's activation; a failure is logged, never thrown.
 */
@Component(immediate = true)
public final class ServersOnDemand {

    static final String FEATURE = "p2p-servers";
    /** The configurations of the bootstrap server and of the relay server. */
    static final List<String> PIDS = List.of("io.subutai.p2p.dht.server", "io.subutai.p2p.proxy.server");

    // immutable
    private final FeatureManager features;
    private final ConfigurationAdmin configurations;
    private final Logger log;
    private final ExecutorService worker;
    private final ServiceRegistration<ConfigurationListener> listener;

    @Activate
    public ServersOnDemand(BundleContext context, @Reference FeatureManager features,
            @Reference ConfigurationAdmin configurations, @Reference(service = LoggerFactory.class) Logger log) {
        this.features = features;
        this.configurations = configurations;
        this.log = log;
        this.worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "p2p-provision-1"));
        // listening first, then looking: a configuration that appears in between is not missed
        this.listener = context.registerService(ConfigurationListener.class, this::changed, null);
        submit(this::installIfConfigured);
    }

    private void changed(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_UPDATED && PIDS.contains(event.getPid())) {
            submit(() -> install(event.getPid()));
        }
    }

    private void submit(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            // deactivated: the daemon is stopping
        }
    }

    private void installIfConfigured() {
        StringBuilder filter = new StringBuilder("(|");
        for (String pid : PIDS) {
            filter.append("(service.pid=").append(pid).append(')');
        }
        Configuration[] found;
        try {
            found = configurations.listConfigurations(filter.append(')').toString());
        } catch (IOException | InvalidSyntaxException e) {
            log.error("Cannot look for server configurations ({}): feature {} is installed only when one appears",
                    e.getMessage(), FEATURE);
            return;
        }
        if (found != null && found.length > 0) {
            install(found[0].getPid());
        }
    }

    private void install(String pid) {
        try {
            if (features.installForThisRun(FEATURE)) {
                log.info("Feature {} installed: configuration {} asks this daemon to run a server (for this run; "
                        + "not kept for the next start)", FEATURE, pid);
            }
        } catch (RuntimeException | LinkageError e) { // P2pException says why; anything else is a defect, still no crash
            log.error("Feature {} could not be installed, so the server that configuration {} asks for does not run: {}",
                    FEATURE, pid, e.getMessage());
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            listener.unregister();
        } catch (IllegalStateException e) {
            // unregistered with the bundle already
        }
        worker.shutdown(); // an install under way finishes: a half-installed feature is worse
        if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
            worker.shutdownNow();
        }
    }
}
