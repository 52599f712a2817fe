package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Installs, updates and removes the bundles of features. A bundle is installed by reference to
 * the file its feature's location resolves to ({@code reference:file:...}), so the same bundle is
 * never installed twice.
 *
 * <p>{@link #install} (used at boot) only adds. {@link #plan} and {@link #apply} move the framework
 * from the bundles of one set of features to those of another: a bundle both sets have stays as
 * it is; a bundle only the new set has is installed, unless a bundle only the old set has carries
 * the same symbolic name, which is then updated in place ({@link Bundle#update(InputStream)}), so
 * that its services are swapped by the framework rather than torn down with the bundle; what only
 * the old set has is uninstalled. Either all of it happens or, after a failure, all of it is undone.
 *
 * <p>A bundle updated in place keeps the location it was installed at; {@link #find} knows it by
 * the symbolic name and version of the jar it runs now.
 */
public final class Provisioner {

    /** How long a refresh of the framework's wiring may take before the change counts as failed. */
    static final Duration REFRESH_TIMEOUT = Duration.ofSeconds(30);

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
                    b = installNew(ref);
                    installed.add(b);
                }
                if (shouldStart(ref, b)) {
                    toStart.add(b);
                }
            }
            for (Bundle b : toStart) {
                start(b);
            }
            return installed;
        } catch (ProvisionException | RuntimeException e) {
            uninstall(installed);
            throw e;
        }
    }

    /**
     * The bundle that runs a feature's location: installed at the location itself, or by
     * reference to the file it resolves to (as {@link #install} does), unless it was updated to
     * another jar since; or, when it was updated in place to that file, the bundle with the
     * file's symbolic name and version (which the framework lets only one bundle have). Null when
     * none runs it.
     */
    public static Bundle find(BundleContext context, ArtifactResolver resolver, String location) {
        Path jar;
        try {
            jar = resolver.resolve(location);
        } catch (ProvisionException e) {
            return context.getBundle(location);
        }
        Identity id = Identity.of(jar);
        for (String at : List.of(location, reference(jar))) {
            Bundle b = context.getBundle(at);
            if (b != null && (id == null || id.of(b))) {
                return b;
            }
        }
        for (Bundle b : context.getBundles()) {
            if (id != null && id.of(b)) {
                return b;
            }
        }
        return null;
    }

    static String referenceLocation(ArtifactResolver resolver, String location) throws ProvisionException {
        return reference(resolver.resolve(location));
    }

    private static String reference(Path jar) {
        return "reference:" + jar.toUri();
    }

    /** A bundle updated in place: from the jar it ran to the jar of {@code ref}. */
    public record Update(Bundle bundle, Path from, Path to, Feature.BundleRef ref) {
    }

    /** A bundle uninstalled; {@code jar} (null when gone) brings it back if the change is undone. */
    public record Removal(Bundle bundle, Path jar, Feature.BundleRef ref) {
    }

    /** What moving from one set of bundles to another takes. */
    public record Plan(List<Update> updates, List<Feature.BundleRef> installs, List<Removal> removals,
            List<Feature.BundleRef> target) {

        public boolean isEmpty() {
            return updates.isEmpty() && installs.isEmpty() && removals.isEmpty();
        }
    }

    /**
     * What moving from bundles {@code from} (the features installed now) to {@code to} (those
     * installed afterwards) takes. Changes nothing. This bundle is never removed, nor updated.
     *
     * @throws ProvisionException when a jar of {@code to} cannot be found (naming it), or the change
     *                            would update or refresh the bundle that makes it
     */
    public Plan plan(List<Feature.BundleRef> from, List<Feature.BundleRef> to) throws ProvisionException {
        Set<Long> staying = new HashSet<>();
        List<Feature.BundleRef> missing = new ArrayList<>();
        for (Feature.BundleRef ref : to) {
            Bundle b = find(context, resolver, ref.location());
            if (b == null) {
                missing.add(ref);
            } else {
                staying.add(b.getBundleId());
            }
        }
        Map<Long, Removal> leaving = new LinkedHashMap<>();
        for (Feature.BundleRef ref : from) {
            Bundle b = find(context, resolver, ref.location());
            if (b != null && !staying.contains(b.getBundleId()) && b.getBundleId() != context.getBundle().getBundleId()) {
                leaving.putIfAbsent(b.getBundleId(), new Removal(b, jarOrNull(ref), ref));
            }
        }
        List<Update> updates = new ArrayList<>();
        List<Feature.BundleRef> installs = new ArrayList<>();
        for (Feature.BundleRef ref : missing) {
            Path jar = resolver.resolve(ref.location());
            Identity id = Identity.of(jar);
            Removal same = id == null ? null : leaving.values().stream()
                    .filter(r -> id.symbolicName().equals(r.bundle().getSymbolicName())).findFirst().orElse(null);
            if (same == null) {
                installs.add(ref);
                continue;
            }
            if (same.jar() == null) {
                throw new ProvisionException("Cannot update bundle " + id.symbolicName() + " in place: the jar it runs now ("
                        + same.ref().location() + ") is gone, so a failure could not be undone; put it back first");
            }
            leaving.remove(same.bundle().getBundleId());
            updates.add(new Update(same.bundle(), same.jar(), jar, ref));
        }
        Set<Bundle> touched = new LinkedHashSet<>();
        updates.forEach(u -> touched.add(u.bundle()));
        leaving.values().forEach(r -> touched.add(r.bundle()));
        if (!touched.isEmpty() && wiring().getDependencyClosure(touched).contains(context.getBundle())) {
            throw new ProvisionException("This change replaces bundles that feature provisioning itself ("
                    + context.getBundle().getSymbolicName() + ") runs on, which cannot happen while the daemon runs: "
                    + String.join(", ", names(touched)) + "; restart the daemon instead (a start installs the newest "
                    + "version of a feature, or the version features.state records)");
        }
        return new Plan(updates, installs, List.copyOf(leaving.values()), to);
    }

    /** A change failed; {@link #restored()} says whether undoing it put everything back. */
    public static final class Failed extends ProvisionException {

        private static final long serialVersionUID = 1L;
        private final boolean restored;

        Failed(String message, boolean restored, Throwable cause) {
            super(message, cause);
            this.restored = restored;
        }

        public boolean restored() {
            return restored;
        }
    }

    /** What {@link #apply} did, for the log. */
    public record Applied(List<String> updated, List<String> installed, List<String> removed) {
    }

    /**
     * Carries out the plan: stops the bundles it updates or removes, updates them, installs the new
     * ones, uninstalls the old ones, refreshes the wiring (and waits for it), checks that every
     * updated and new bundle resolves, and starts those that should start. When a step fails,
     * undoes every step before it (the updated bundles go back to their jars, the new ones are
     * uninstalled, the removed ones installed again) and restarts what was running.
     *
     * @throws Failed naming the bundle that failed, and what could not be undone if anything
     */
    public Applied apply(Plan plan) throws Failed {
        List<Bundle> stopped = new ArrayList<>(); // were active, stopped here: restarted by an undo
        List<Update> updated = new ArrayList<>();
        Map<String, Bundle> installed = new LinkedHashMap<>(); // by location in the feature
        List<Removal> removed = new ArrayList<>();
        try {
            List<Bundle> leaving = new ArrayList<>();
            plan.updates().forEach(u -> leaving.add(u.bundle()));
            plan.removals().forEach(r -> leaving.add(r.bundle()));
            for (int i = leaving.size() - 1; i >= 0; i--) {
                Bundle b = leaving.get(i);
                if (b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING) {
                    stopped.add(0, b);
                    call(b, "stop", () -> b.stop(Bundle.STOP_TRANSIENT));
                }
            }
            for (Update u : plan.updates()) {
                updateFrom(u.bundle(), u.to());
                updated.add(u);
            }
            for (Feature.BundleRef ref : plan.installs()) {
                installed.put(ref.location(), installNew(ref));
            }
            for (Removal r : plan.removals()) {
                call(r.bundle(), "uninstall", r.bundle()::uninstall);
                removed.add(r);
            }
            List<Bundle> refresh = new ArrayList<>();
            updated.forEach(u -> refresh.add(u.bundle()));
            removed.forEach(r -> refresh.add(r.bundle()));
            refresh(refresh);
            List<Bundle> arriving = new ArrayList<>();
            updated.forEach(u -> arriving.add(u.bundle()));
            arriving.addAll(installed.values());
            if (!arriving.isEmpty() && !wiring().resolveBundles(arriving)) {
                for (Bundle b : arriving) {
                    if (b.getState() == Bundle.INSTALLED) {
                        throw new ProvisionException("Bundle " + name(b) + " cannot be resolved: " + whyUnresolved(b));
                    }
                }
            }
            Map<String, Bundle> byLocation = new LinkedHashMap<>(installed);
            updated.forEach(u -> byLocation.put(u.ref().location(), u.bundle()));
            for (Feature.BundleRef ref : plan.target()) {
                Bundle b = byLocation.get(ref.location());
                if (b != null && shouldStart(ref, b)) {
                    start(b);
                }
            }
            return new Applied(names(updated.stream().map(Update::bundle).toList()), names(installed.values()),
                    removed.stream().map(r -> r.bundle().getSymbolicName()).toList());
        } catch (ProvisionException | RuntimeException e) {
            List<String> problems = undo(stopped, updated, installed.values(), removed);
            String message = e instanceof ProvisionException ? e.getMessage() : e.toString();
            throw new Failed(message + (problems.isEmpty() ? ""
                    : "; undoing the change failed too, so the previous bundles may not all run: "
                    + String.join("; ", problems)), problems.isEmpty(), e);
        }
    }

    private List<String> undo(List<Bundle> stopped, List<Update> updated, Collection<Bundle> installed,
            List<Removal> removed) {
        List<String> problems = new ArrayList<>();
        List<Bundle> refresh = new ArrayList<>();
        for (Bundle b : installed) {
            attempt(problems, b, "uninstall", b::uninstall);
            refresh.add(b);
        }
        for (int i = updated.size() - 1; i >= 0; i--) {
            Update u = updated.get(i);
            attempt(problems, u.bundle(), "stop", () -> u.bundle().stop(Bundle.STOP_TRANSIENT));
            attempt(problems, u.bundle(), "restore", () -> updateFrom(u.bundle(), u.from()));
            refresh.add(u.bundle());
        }
        Map<Long, Bundle> back = new LinkedHashMap<>(); // removed bundle id -> the bundle installed again
        for (Removal r : removed) {
            if (r.jar() == null) {
                problems.add(r.bundle().getSymbolicName() + ": its jar " + r.ref().location() + " is gone");
                continue;
            }
            try {
                Bundle again = context.installBundle(reference(r.jar()));
                if (r.ref().startLevel() > 0) {
                    again.adapt(BundleStartLevel.class).setStartLevel(r.ref().startLevel());
                }
                back.put(r.bundle().getBundleId(), again);
            } catch (BundleException | RuntimeException e) {
                problems.add(r.bundle().getSymbolicName() + ": cannot install it again: " + e.getMessage());
            }
        }
        try {
            refresh(refresh);
        } catch (ProvisionException e) {
            problems.add(e.getMessage());
        }
        for (Bundle s : stopped) {
            Bundle b = back.getOrDefault(s.getBundleId(), s);
            if (b.getState() != Bundle.UNINSTALLED) {
                attempt(problems, b, "start", () -> start(b));
            }
        }
        return problems;
    }

    private interface Step {
        void run() throws BundleException, ProvisionException;
    }

    private static void attempt(List<String> problems, Bundle b, String what, Step step) {
        try {
            step.run();
        } catch (BundleException | ProvisionException | RuntimeException e) {
            problems.add("cannot " + what + " " + name(b) + ": " + e.getMessage());
        }
    }

    private static void call(Bundle b, String what, Step step) throws ProvisionException {
        try {
            step.run();
        } catch (BundleException | IllegalStateException e) {
            throw new ProvisionException("Cannot " + what + " bundle " + name(b) + ": " + e.getMessage(), e);
        }
    }

    private static void updateFrom(Bundle b, Path jar) throws ProvisionException {
        try (InputStream in = Files.newInputStream(jar)) {
            call(b, "update", () -> b.update(in));
        } catch (IOException e) {
            throw new ProvisionException("Cannot read " + jar + " to update bundle " + name(b) + ": " + e.getMessage(), e);
        }
    }

    private Bundle installNew(Feature.BundleRef ref) throws ProvisionException {
        Bundle b;
        try {
            // by reference: the framework reads the jar where it is, no copy into its cache
            b = context.installBundle(referenceLocation(resolver, ref.location()));
        } catch (BundleException e) {
            throw new ProvisionException("Cannot install bundle " + ref.location() + ": " + e.getMessage(), e);
        }
        if (ref.startLevel() > 0) {
            b.adapt(BundleStartLevel.class).setStartLevel(ref.startLevel());
        }
        return b;
    }

    private static boolean shouldStart(Feature.BundleRef ref, Bundle b) {
        return ref.start() && b.getHeaders("").get(Constants.FRAGMENT_HOST) == null;
    }

    private static void start(Bundle b) throws ProvisionException {
        if (b.getState() != Bundle.ACTIVE) {
            try {
                b.start();
            } catch (BundleException e) {
                throw new ProvisionException("Cannot start bundle " + name(b) + " (" + b.getLocation() + "): "
                        + e.getMessage(), e);
            }
        }
    }

    /** The resolver's reason, which the framework gives only to an attempt to start. */
    private static String whyUnresolved(Bundle b) {
        try {
            b.start(Bundle.START_TRANSIENT);
            b.stop(Bundle.STOP_TRANSIENT);
            return "the framework did not say why";
        } catch (BundleException | IllegalStateException e) {
            return e.getMessage();
        }
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
        try {
            refresh(bundles);
        } catch (ProvisionException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /**
     * Refreshes the bundles and those wired to them, and waits until the framework says it is done
     * ({@link FrameworkEvent#PACKAGES_REFRESHED}), so that old revisions are gone on return.
     */
    void refresh(Collection<Bundle> bundles) throws ProvisionException {
        if (bundles.isEmpty()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring().refreshBundles(bundles, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        try {
            if (!done.await(REFRESH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ProvisionException("The framework did not finish refreshing " + String.join(", ", names(bundles)) + " within "
                        + REFRESH_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisionException("Interrupted while the framework refreshed " + String.join(", ", names(bundles)), e);
        }
    }

    private FrameworkWiring wiring() {
        return context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
    }

    private Path jarOrNull(Feature.BundleRef ref) {
        try {
            return resolver.resolve(ref.location());
        } catch (ProvisionException e) {
            return null;
        }
    }

    private static String name(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion();
    }

    private static List<String> names(Collection<Bundle> bundles) {
        return bundles.stream().map(Bundle::getSymbolicName).toList();
    }
}
