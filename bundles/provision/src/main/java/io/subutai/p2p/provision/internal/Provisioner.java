package io.subutai.p2p.provision.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Installs and starts the bundles of features, all or nothing: when one cannot be installed or
 * started, the bundles this call installed are uninstalled again. A bundle's location is the
 * location its feature names ({@code mvn:...}), so the same bundle is never installed twice.
 */
public final class Provisioner {

    private final BundleContext context;
    private final ArtifactResolver resolver;

    public Provisioner(BundleContext context, ArtifactResolver resolver) {
        this.context = context;
        this.resolver = resolver;
    }

    /**
     * Installs the bundles not installed yet, then starts every one that should start.
     *
     * @return the bundles this call installed
     * @throws ProvisionException naming the bundle that failed; nothing this call installed is left
     */
    public List<Bundle> install(List<Feature.BundleRef> refs) throws ProvisionException {
        List<Bundle> installed = new ArrayList<>();
        List<Bundle> toStart = new ArrayList<>();
        try {
            for (Feature.BundleRef ref : refs) {
                Bundle b = find(context, resolver, ref.location());
                if (b == null) {
                    try {
                        // by reference: the framework reads the jar where it is, no copy into its cache
                        b = context.installBundle(referenceLocation(resolver, ref.location()));
                    } catch (BundleException e) {
                        throw new ProvisionException("Cannot install bundle " + ref.location() + ": " + e.getMessage(), e);
                    }
                    installed.add(b);
                    if (ref.startLevel() > 0) {
                        b.adapt(BundleStartLevel.class).setStartLevel(ref.startLevel());
                    }
                }
                if (ref.start() && b.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
                    toStart.add(b);
                }
            }
            for (Bundle b : toStart) {
                if (b.getState() != Bundle.ACTIVE) {
                    try {
                        b.start();
                    } catch (BundleException e) {
                        throw new ProvisionException("Cannot start bundle " + b.getLocation() + ": " + e.getMessage(), e);
                    }
                }
            }
            return installed;
        } catch (ProvisionException | RuntimeException e) {
            uninstall(installed);
            throw e;
        }
    }

    /**
     * The bundle installed for a feature's location: at the location itself, or by reference to
     * the file it resolves to (as {@link #install} does); null when none is.
     */
    public static Bundle find(BundleContext context, ArtifactResolver resolver, String location) {
        Bundle b = context.getBundle(location);
        if (b != null) {
            return b;
        }
        try {
            return context.getBundle(referenceLocation(resolver, location));
        } catch (ProvisionException e) {
            return null;
        }
    }

    static String referenceLocation(ArtifactResolver resolver, String location) throws ProvisionException {
        return "reference:" + resolver.resolve(location).toUri();
    }

    /**
     * Stops and uninstalls the bundles, then refreshes them and the bundles wired to them, so
     * nothing keeps using their classes. Failures are skipped and returned.
     */
    public List<String> uninstall(Collection<Bundle> bundles) {
        List<String> problems = new ArrayList<>();
        for (Bundle b : bundles) {
            try {
                if (b.getState() != Bundle.UNINSTALLED) {
                    b.uninstall();
                }
            } catch (BundleException | IllegalStateException e) {
                problems.add(b.getLocation() + ": " + e.getMessage());
            }
        }
        if (!bundles.isEmpty()) {
            FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
            wiring.refreshBundles(bundles);
        }
        return problems;
    }
}
