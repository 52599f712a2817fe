package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.osgi.framework.BundleContext;

/**
 * What every start installs: the boot repositories and features, then the repositories and
 * features added at run time before, each feature at the version the state file recorded. Used by
 * the launcher on its own class path, and by the {@link FeatureManager} to learn the same catalog.
 */
public final class Boot {

    private Boot() {
    }

    /**
     * Reads every repository to use. A boot repository that cannot be read fails the boot; one added
     * at run time that is gone now is reported to {@code warn} and skipped. Bundles are not looked
     * at: a repository whose bundles are missing does not stop the boot.
     */
    public static Catalog catalog(ProvisionSettings settings, ProvisionState state, Consumer<String> warn)
            throws ProvisionException {
        Catalog catalog = Catalog.empty(settings.resolver());
        for (String uri : settings.bootRepositories()) {
            catalog = catalog.with(uri);
        }
        for (String uri : state.repositories()) {
            try {
                catalog = catalog.with(uri);
            } catch (ProvisionException e) {
                warn.accept(e.getMessage() + " (added at run time; skipped)");
            }
        }
        return catalog;
    }

    /**
     * The features to install, each at the version to install: the boot features, then those
     * installed at run time that the catalog still has. A version the state file records wins
     * over the newest (for a boot feature too: it was installed at that version at run time); a
     * recorded version no repository has any more gives way to the newest, with a warning.
     *
     * @throws ProvisionException when a boot feature is unknown
     */
    public static List<Feature> features(ProvisionSettings settings, ProvisionState state, Catalog catalog,
            Consumer<String> warn) throws ProvisionException {
        List<Feature> out = new ArrayList<>();
        for (String name : settings.bootFeatures()) {
            out.add(recorded(catalog, state.feature(name), warn).orElse(catalog.feature(name)));
        }
        for (FeatureId id : state.features()) {
            if (settings.bootFeatures().contains(id.name())) {
                continue;
            }
            try {
                Optional<Feature> f = recorded(catalog, Optional.of(id), warn);
                out.add(f.isPresent() ? f.get() : catalog.feature(id.name()));
            } catch (ProvisionException e) {
                warn.accept(e.getMessage() + " (installed at run time; skipped)");
            }
        }
        return out;
    }

    private static Optional<Feature> recorded(Catalog catalog, Optional<FeatureId> id, Consumer<String> warn) {
        if (id.isEmpty() || id.get().version().isEmpty() || catalog.versions(id.get().name()).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(catalog.feature(id.get()));
        } catch (ProvisionException e) {
            warn.accept(e.getMessage() + "; installing the newest instead of the version installed before");
            return Optional.empty();
        }
    }

    /** Installs and starts everything a start needs. */
    public static void run(BundleContext context, ProvisionSettings settings, Consumer<String> warn)
            throws ProvisionException {
        ProvisionState state;
        try {
            state = ProvisionState.read(settings.stateFile());
        } catch (IOException e) {
            warn.accept("Cannot read " + settings.stateFile() + ": " + e.getMessage() + "; runtime additions skipped");
            state = new ProvisionState(List.of(), List.of());
        }
        Catalog catalog = catalog(settings, state, warn);
        List<Feature> features = features(settings, state, catalog, warn);
        Map<String, String> versions = Catalog.versionsByName(features);
        List<Feature> boot = features.subList(0, settings.bootFeatures().size());
        Provisioner provisioner = new Provisioner(context, catalog.resolver());
        provisioner.install(Catalog.bundlesOf(catalog.closure(boot, versions).values()));
        for (Feature f : features.subList(boot.size(), features.size())) {
            try {
                provisioner.install(Catalog.bundlesOf(catalog.closure(List.of(f), versions).values()));
            } catch (ProvisionException e) {
                warn.accept("Feature '" + f.id() + "' (installed at run time) failed to install: " + e.getMessage());
            }
        }
    }
}
