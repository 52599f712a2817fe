package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * run time, installs, upgrades and uninstalls features, and keeps runtime additions (with their
 * versions) in the state directory so the next start brings them back. Features installed
 * {@linkplain #installForThisRun for this run only} are not kept. All methods are serialised on
 * this object.
 *
 * <p>Every change is one move of the {@link Provisioner} from the bundles of the features
 * installed now to those of the features installed afterwards; installing another version of an
 * installed feature is such a move too, which updates its bundles in place, and undoes itself when
 * it fails.
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
    private final Map<String, Feature> roots = new LinkedHashMap<>(); // installed by themselves (boot, asked for), by name
    private Map<String, Feature> present = Map.of(); // the roots and every feature they need, by name
    private final Set<String> forThisRun = new HashSet<>(); // roots not kept in the state file

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
        List<Feature> installed;
        try {
            installed = Boot.features(settings, s, c, m -> { });
        } catch (ProvisionException e) {
            log.error("Boot features: {}", e.getMessage());
            installed = List.of();
        }
        Map<String, String> versions = Catalog.versionsByName(installed);
        for (Feature f : installed) { // what the launcher installed: those whose bundles are all there
            try {
                if (allInstalled(Catalog.bundlesOf(c.closure(List.of(f), versions).values()))) {
                    roots.put(f.name(), f);
                }
            } catch (ProvisionException e) {
                // not installed
            }
        }
        try {
            present = c.closure(roots.values(), versions);
        } catch (ProvisionException e) {
            log.error("Installed features: {}", e.getMessage()); // cannot be: each closure was computed above
        }
    }

    private boolean allInstalled(List<Feature.BundleRef> bundles) {
        for (Feature.BundleRef b : bundles) {
            if (Provisioner.find(context, catalog.resolver(), b.location()) == null) {
                return false;
            }
        }
        return true;
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
        List<FeatureInfo> out = new ArrayList<>();
        for (String name : catalog.names()) {
            out.add(info(name));
        }
        return out;
    }

    @Override
    public synchronized FeatureInfo install(String name) {
        return install(name, true);
    }

    /**
     * Installs the feature for this run only, unless it is installed already: it is not kept in
     * the state file, so after a restart it comes back only if what asked for it asks again.
     *
     * @return whether this call installed it
     * @throws P2pException when it could not be installed (nothing of it is left then)
     */
    synchronized boolean installForThisRun(String name) {
        Feature f = feature(FeatureId.parse(name));
        if (present.containsKey(f.name())) {
            return false;
        }
        install(name, false);
        return true;
    }

    private FeatureInfo install(String spec, boolean keep) {
        Feature target = feature(FeatureId.parse(spec));
        String name = target.name();
        Feature current = present.get(name);
        if (current != null && current.version().equals(target.version())) {
            boolean asked = keep && (forThisRun.remove(name) || !roots.containsKey(name));
            if (asked && !bootClosure().containsKey(name)) { // installed on demand or as a dependency, now asked for: kept
                save(state.with(target.id()));
            }
            roots.putIfAbsent(name, target);
            return info(name);
        }
        Map<String, Feature> nextRoots = new LinkedHashMap<>(roots);
        nextRoots.put(name, target);
        Map<String, String> prefer = new LinkedHashMap<>(Catalog.versionsByName(present.values()));
        prefer.put(name, target.version());
        String what = current == null ? "Feature '" + name + "' " + target.version() + " was not installed: "
                : "Feature " + (upgrade(current, target) ? "upgrade" : "downgrade") + " of " + name + " to "
                + target.version() + " failed: ";
        Map<String, Feature> next;
        Provisioner provisioner = new Provisioner(context, catalog.resolver());
        Provisioner.Plan plan;
        try {
            next = catalog.closure(nextRoots.values(), prefer);
            plan = provisioner.plan(Catalog.bundlesOf(present.values()), Catalog.bundlesOf(next.values()));
        } catch (ProvisionException e) {
            throw new P2pException(what + e.getMessage() + (current == null ? "" : "; nothing was changed, "
                    + current.version() + " runs on"));
        }
        Provisioner.Applied done;
        try {
            done = provisioner.apply(plan);
        } catch (Provisioner.Failed e) {
            String message = what + e.getMessage();
            if (!e.restored()) {
                message += "; restart the daemon to get back to what features.state records"
                        + (current == null ? "" : " (" + name + " " + current.version() + ")");
            } else if (current != null) {
                message += "; rolled back to " + current.version();
            } else {
                message += "; nothing of it is left";
            }
            log.error(message);
            throw new P2pException(message + (current != null && e.restored() ? " (the previous version runs again)" : ""));
        }
        if (keep) {
            try {
                save(state.with(target.id()));
            } catch (P2pException e) { // not kept across restarts: not made at all
                undo(provisioner, next, e);
                throw e;
            }
        }
        roots.clear();
        roots.putAll(nextRoots);
        present = next;
        if (keep) {
            forThisRun.remove(name);
        } else {
            forThisRun.add(name);
        }
        if (current == null) {
            log.info("Feature installed: {} {}", name, target.version());
        } else {
            log.info("Feature {}: {} {} -> {} (bundles updated: {}{}{})", upgrade(current, target) ? "upgraded" : "downgraded",
                    name, current.version(), target.version(), String.join(", ", done.updated()),
                    done.installed().isEmpty() ? "" : "; installed: " + String.join(", ", done.installed()),
                    done.removed().isEmpty() ? "" : "; removed: " + String.join(", ", done.removed()));
        }
        return info(name);
    }

    private static boolean upgrade(Feature from, Feature to) {
        return Versions.compare(to.version(), from.version()) > 0;
    }

    /** Moves back from {@code next} to the features present, after a change that cannot be kept. */
    private void undo(Provisioner provisioner, Map<String, Feature> next, P2pException cause) {
        try {
            provisioner.apply(provisioner.plan(Catalog.bundlesOf(next.values()), Catalog.bundlesOf(present.values())));
        } catch (ProvisionException e) {
            log.error("{}; and undoing the change failed: {}", cause.getMessage(), e.getMessage());
        }
    }

    @Override
    public synchronized FeatureInfo uninstall(String spec) {
        FeatureId id = FeatureId.parse(spec);
        Feature f = feature(new FeatureId(id.name(), ""));
        if (bootClosure().containsKey(f.name())) {
            throw new P2pException("Feature '" + f.name() + "' is part of what every start installs (boot in "
                    + "conf/io.subutai.p2p.provision.cfg); it cannot be uninstalled from a running daemon");
        }
        Feature installed = roots.get(f.name());
        if (installed == null) {
            throw new P2pException("Feature '" + f.name() + "' is not installed"
                    + (present.containsKey(f.name()) ? " by itself: installed features depend on it" : ""));
        }
        if (!id.version().isEmpty() && Versions.compare(id.version(), installed.version()) != 0) {
            throw new P2pException("Feature '" + f.name() + "' is installed at version " + installed.version() + ", not "
                    + id.version() + "; uninstall it as " + f.name());
        }
        Map<String, Feature> nextRoots = new LinkedHashMap<>(roots);
        nextRoots.remove(f.name());
        Map<String, Feature> next = closureOf(nextRoots);
        ProvisionState before = state;
        save(state.without(f.name())); // first: a failure changes nothing
        Provisioner provisioner = new Provisioner(context, catalog.resolver());
        try {
            provisioner.apply(provisioner.plan(Catalog.bundlesOf(present.values()), Catalog.bundlesOf(next.values())));
        } catch (ProvisionException e) {
            save(before);
            throw new P2pException("Feature '" + f.name() + "' was not uninstalled: " + e.getMessage()
                    + (e instanceof Provisioner.Failed failed && !failed.restored() ? "; restart the daemon to get back "
                    + "to what features.state records" : ""));
        }
        roots.remove(f.name());
        forThisRun.remove(f.name());
        present = next;
        log.info("Feature uninstalled: {} {}", f.name(), installed.version());
        return info(installed, false);
    }

    /** The boot features and what they need, at the versions present now. */
    private Map<String, Feature> bootClosure() {
        Map<String, Feature> boot = new LinkedHashMap<>(roots);
        boot.keySet().retainAll(settings.bootFeatures());
        return closureOf(boot);
    }

    /** The features these need, at the versions present now. */
    private Map<String, Feature> closureOf(Map<String, Feature> rootFeatures) {
        try {
            return catalog.closure(rootFeatures.values(), Catalog.versionsByName(present.values()));
        } catch (ProvisionException e) {
            throw new P2pException(e.getMessage());
        }
    }

    private Feature feature(FeatureId id) {
        try {
            return catalog.feature(id);
        } catch (ProvisionException e) {
            throw new P2pException(e.getMessage());
        }
    }

    private FeatureInfo info(String name) {
        Feature installed = present.get(name);
        return info(installed != null ? installed : catalog.versions(name).get(0), installed != null);
    }

    private FeatureInfo info(Feature f, boolean installed) {
        List<String> bundles = new ArrayList<>();
        for (Feature.BundleRef b : f.bundles()) {
            bundles.add(b.location());
        }
        return new FeatureInfo(f.name(), f.version(), f.repository(), f.description(), installed, bundles,
                installed ? f.version() : "", Catalog.versionsOf(catalog.versions(f.name())));
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
