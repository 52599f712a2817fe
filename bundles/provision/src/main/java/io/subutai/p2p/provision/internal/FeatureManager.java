package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.subutai.p2p.api.FeatureInfo;
import io.subutai.p2p.api.FeatureService;
import io.subutai.p2p.api.P2pException;

/**
 * The {@link FeatureService}: knows the repositories the launcher booted from plus those added at
 * run time, installs and uninstalls features, and keeps runtime additions in the state directory
 * so the next start brings them back. Features installed {@linkplain #installForThisRun for this
 * run only} are not kept. All methods are serialised on this object.
 *
 * <p>Also registered as {@code FeatureManager}, for {@link ServersOnDemand} in this bundle (the
 * type is not exported, so no other bundle can use it).
 */
@Component(service = {FeatureService.class, FeatureManager.class}, immediate = true)
public final class FeatureManager implements FeatureService {

    // immutable
    private final BundleContext context;
    private final Logger log;
    private final ProvisionSettings settings;

    // guarded by this
    private Catalog catalog;
    private ProvisionState state;
    private final Set<String> installed = new LinkedHashSet<>();
    private final Set<String> forThisRun = new HashSet<>(); // installed, not kept in the state file

    @Activate
    public FeatureManager(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        this.settings = ProvisionSettings.from(context::getProperty);
        ProvisionState s;
        try {
            s = ProvisionState.read(settings.stateFile());
        } catch (IOException e) {
            log.error("Cannot read {}: {}", settings.stateFile(), e.getMessage());
            s = new ProvisionState(List.of(), List.of());
        }
        this.state = s;
        Catalog c;
        try {
            c = Boot.catalog(settings, s, log::warn);
        } catch (ProvisionException e) {
            log.error("Feature repositories: {}", e.getMessage());
            c = Catalog.empty(settings.resolver());
        }
        this.catalog = c;
        for (String f : Boot.features(settings, s, c, m -> { })) {
            if (allInstalled(f)) {
                installed.add(f);
            }
        }
    }

    private boolean allInstalled(String feature) {
        try {
            for (Feature.BundleRef b : catalog.bundles(List.of(feature))) {
                if (Provisioner.find(context, catalog.resolver(), b.location()) == null) {
                    return false;
                }
            }
            return true;
        } catch (ProvisionException e) {
            return false;
        }
    }

    @Override
    public synchronized List<String> repositories() {
        List<String> out = new ArrayList<>();
        for (FeatureRepository r : catalog.repositories()) {
            out.add(r.uri());
        }
        return out;
    }

    @Override
    public synchronized String addRepository(String uri) {
        String u = uri == null ? "" : uri.trim();
        if (u.isEmpty()) {
            throw new P2pException("Give the repository's URI: a file: URL, a path or mvn:group/artifact/version/xml/features");
        }
        Catalog next;
        try {
            next = catalog.with(u);
        } catch (ProvisionException e) {
            throw new P2pException(e.getMessage());
        }
        String name = next.repositories().stream().filter(r -> r.uri().equals(u)).findFirst()
                .map(FeatureRepository::name).orElse(u);
        if (next != catalog) {
            List<String> repos = new ArrayList<>(state.repositories());
            repos.add(u);
            save(new ProvisionState(repos, state.features()));
            catalog = next;
            log.info("Feature repository added: {} ({})", name, u);
        }
        return name;
    }

    @Override
    public synchronized List<FeatureInfo> features() {
        Set<String> present = catalog.closure(installed);
        List<FeatureInfo> out = new ArrayList<>();
        for (Feature f : catalog.features()) {
            out.add(info(f, present.contains(f.name())));
        }
        return out;
    }

    @Override
    public synchronized FeatureInfo install(String name) {
        Feature f = feature(name);
        if (catalog.closure(installed).contains(f.name())) {
            if (forThisRun.contains(f.name())) {
                keep(f.name()); // installed on demand, now asked for: kept from now on
                forThisRun.remove(f.name());
            }
            return info(f, true);
        }
        Provisioner provisioner = new Provisioner(context, catalog.resolver());
        List<Bundle> added = installBundles(provisioner, f);
        if (!settings.bootFeatures().contains(f.name())) {
            try {
                keep(f.name());
            } catch (P2pException e) {
                provisioner.uninstall(added); // not kept across restarts: not installed at all
                throw e;
            }
        }
        installed.add(f.name());
        log.info("Feature installed: {}", f.name());
        return info(f, true);
    }

    /**
     * Installs the feature for this run only, unless it is installed already: it is not kept in
     * the state file, so after a restart it comes back only if what asked for it asks again.
     *
     * @return whether this call installed it
     * @throws P2pException when it could not be installed (nothing of it is left then)
     */
    synchronized boolean installForThisRun(String name) {
        Feature f = feature(name);
        if (catalog.closure(installed).contains(f.name())) {
            return false;
        }
        installBundles(new Provisioner(context, catalog.resolver()), f);
        installed.add(f.name());
        forThisRun.add(f.name());
        return true;
    }

    private List<Bundle> installBundles(Provisioner provisioner, Feature f) {
        try {
            return provisioner.install(catalog.bundles(List.of(f.name())));
        } catch (ProvisionException e) {
            throw new P2pException("Feature '" + f.name() + "' was not installed: " + e.getMessage());
        }
    }

    /** Adds the feature to those the next start installs. */
    private void keep(String feature) {
        if (state.features().contains(feature)) {
            return;
        }
        List<String> features = new ArrayList<>(state.features());
        features.add(feature);
        save(new ProvisionState(state.repositories(), features));
    }

    @Override
    public synchronized FeatureInfo uninstall(String name) {
        Feature f = feature(name);
        if (catalog.closure(settings.bootFeatures()).contains(f.name())) {
            throw new P2pException("Feature '" + f.name() + "' is part of what every start installs (boot in "
                    + "conf/io.subutai.p2p.provision.cfg); it cannot be uninstalled from a running daemon");
        }
        if (!installed.contains(f.name())) {
            throw new P2pException("Feature '" + f.name() + "' is not installed"
                    + (catalog.closure(installed).contains(f.name()) ? " by itself: installed features depend on it" : ""));
        }
        Set<String> keep = new HashSet<>();
        try {
            List<String> others = new ArrayList<>(installed);
            others.remove(f.name());
            for (Feature.BundleRef b : catalog.bundles(others)) {
                keep.add(b.location());
            }
            List<Bundle> remove = new ArrayList<>();
            for (Feature.BundleRef b : catalog.bundles(List.of(f.name()))) {
                Bundle bundle = Provisioner.find(context, catalog.resolver(), b.location());
                if (!keep.contains(b.location()) && bundle != null && bundle.getBundleId() != context.getBundle().getBundleId()) {
                    remove.add(bundle);
                }
            }
            List<String> features = new ArrayList<>(state.features());
            features.remove(f.name());
            save(new ProvisionState(state.repositories(), features)); // first: a failure changes nothing
            installed.remove(f.name());
            forThisRun.remove(f.name());
            for (String problem : new Provisioner(context, catalog.resolver()).uninstall(remove)) {
                log.warn("Uninstalling feature {}: {}", f.name(), problem);
            }
        } catch (ProvisionException e) {
            throw new P2pException(e.getMessage());
        }
        log.info("Feature uninstalled: {}", f.name());
        return info(f, false);
    }

    private Feature feature(String name) {
        try {
            return catalog.feature(name == null ? "" : name.trim());
        } catch (ProvisionException e) {
            throw new P2pException(e.getMessage());
        }
    }

    private static FeatureInfo info(Feature f, boolean installed) {
        List<String> bundles = new ArrayList<>();
        for (Feature.BundleRef b : f.bundles()) {
            bundles.add(b.location());
        }
        return new FeatureInfo(f.name(), f.version(), f.repository(), f.description(), installed, bundles);
    }

    private void save(ProvisionState next) {
        if (settings.stateFile() == null) {
            state = next;
            return;
        }
        try {
            next.write(settings.stateFile());
            state = next;
        } catch (IOException e) {
            throw new P2pException("Cannot save " + settings.stateFile() + ": " + e.getMessage()
                    + "; the change would not survive a restart, so it was not made");
        }
    }
}
