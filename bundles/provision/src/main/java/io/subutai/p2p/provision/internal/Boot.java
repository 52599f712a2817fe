package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.osgi.framework.BundleContext;

/**
 * What every start installs: the boot repositories and features, then the repositories and
 * features added at run time before. Used by the launcher on its own class path, and by the
 * {@link FeatureManager} to learn the same catalog.
 */
public final class Boot {

    private Boot() {
    }

    /**
     * Reads every repository to use. A boot repository that cannot be read fails the boot; one added
     * at run time that is gone now is reported to {@code warn} and skipped.
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

    /** The features to install: boot features, then the runtime ones the catalog still has. */
    public static List<String> features(ProvisionSettings settings, ProvisionState state, Catalog catalog,
            Consumer<String> warn) {
        List<String> out = new ArrayList<>(settings.bootFeatures());
        for (String f : state.features()) {
            if (out.contains(f)) {
                continue;
            }
            try {
                catalog.feature(f);
                out.add(f);
            } catch (ProvisionException e) {
                warn.accept(e.getMessage() + " (installed at run time; skipped)");
            }
        }
        return out;
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
        Provisioner provisioner = new Provisioner(context, catalog.resolver());
        provisioner.install(catalog.bundles(settings.bootFeatures()));
        for (String f : features(settings, state, catalog, warn)) {
            if (settings.bootFeatures().contains(f)) {
                continue;
            }
            try {
                provisioner.install(catalog.bundles(List.of(f)));
            } catch (ProvisionException e) {
                warn.accept("Feature '" + f + "' (installed at run time) failed to install: " + e.getMessage());
            }
        }
    }
}
