package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The feature repositories known and what their features resolve to. Immutable: adding a
 * repository gives a new catalog, so a failed addition changes nothing.
 *
 * <p>A name may have several versions, from one repository or several; where two repositories
 * define the same name and version, the first added wins. Reading a repository never looks at its
 * bundles: one whose bundles are missing is listed like any other, and only installing from it fails.
 */
public final class Catalog {

    private final ArtifactResolver resolver;
    private final Map<String, FeatureRepository> repositories; // by URI, in the order added
    private final Map<String, List<Feature>> features; // by name, in the order first seen; each newest first

    private Catalog(ArtifactResolver resolver, Map<String, FeatureRepository> repositories) {
        this.resolver = resolver;
        this.repositories = repositories;
        Map<String, Map<String, Feature>> byName = new LinkedHashMap<>();
        for (FeatureRepository r : repositories.values()) {
            for (Feature feature : r.features()) {
                byName.computeIfAbsent(feature.name(), n -> new LinkedHashMap<>()).putIfAbsent(feature.version(), feature);
            }
        }
        Map<String, List<Feature>> f = new LinkedHashMap<>();
        byName.forEach((name, versions) -> {
            List<Feature> sorted = new ArrayList<>(versions.values());
            sorted.sort((a, b) -> Versions.NEWEST_FIRST.compare(a.version(), b.version()));
            f.put(name, List.copyOf(sorted));
        });
        this.features = f;
    }

    public static Catalog empty(ArtifactResolver resolver) {
        return new Catalog(resolver, new LinkedHashMap<>());
    }

    public ArtifactResolver resolver() {
        return resolver;
    }

    /**
     * Reads the repository at {@code uri} and, recursively, those it refers to.
     *
     * @return the catalog with them added (this one when the URI is known already)
     * @throws ProvisionException when one cannot be found or read; nothing is added then
     */
    public Catalog with(String uri) throws ProvisionException {
        Map<String, FeatureRepository> next = new LinkedHashMap<>(repositories);
        load(uri.trim(), next, new LinkedHashSet<>());
        return next.size() == repositories.size() ? this : new Catalog(resolver, next);
    }

    private void load(String uri, Map<String, FeatureRepository> into, Set<String> path) throws ProvisionException {
        if (into.containsKey(uri)) {
            return;
        }
        if (!path.add(uri)) {
            return; // a cycle of references: already being read
        }
        FeatureRepository repo;
        try (InputStream in = Files.newInputStream(resolver.resolve(uri))) {
            repo = FeatureRepository.parse(uri, in);
        } catch (IOException e) {
            throw new ProvisionException("Cannot read feature repository " + uri + ": " + e.getMessage(), e);
        }
        into.put(uri, repo);
        for (String ref : repo.repositories()) {
            load(ref, into, path);
        }
    }

    /** The repositories, in the order they were added (referenced ones after their referrer). */
    public List<FeatureRepository> repositories() {
        return List.copyOf(repositories.values());
    }

    /** The feature names, in the order first seen. */
    public List<String> names() {
        return List.copyOf(features.keySet());
    }

    /** The versions of a feature, newest first; empty when the name is unknown. */
    public List<Feature> versions(String name) {
        return features.getOrDefault(name, List.of());
    }

    /** Every version of every feature. */
    public List<Feature> features() {
        List<Feature> out = new ArrayList<>();
        features.values().forEach(out::addAll);
        return out;
    }

    /** The newest version of the feature. */
    public Feature feature(String name) throws ProvisionException {
        return feature(new FeatureId(name, ""));
    }

    /**
     * The feature at its version, or its newest version when the id has none.
     *
     * @throws ProvisionException naming what exists when it does not
     */
    public Feature feature(FeatureId id) throws ProvisionException {
        List<Feature> versions = versions(id.name());
        if (versions.isEmpty()) {
            throw new ProvisionException("No feature named '" + id.name() + "' in "
                    + (repositories.isEmpty() ? "any repository (none added)" : "the repositories "
                    + String.join(", ", repositories.keySet())));
        }
        if (id.version().isEmpty()) {
            return versions.get(0);
        }
        for (Feature f : versions) {
            if (Versions.compare(f.version(), id.version()) == 0) {
                return f;
            }
        }
        throw new ProvisionException("Feature '" + id.name() + "' has no version " + id.version() + " (available: "
                + String.join(", ", versionsOf(versions)) + ")");
    }

    /**
     * These features and every feature they depend on, directly or not, dependencies first. A
     * dependency resolves to the version {@code prefer} names for it when that version will do,
     * else to the newest that will.
     *
     * @param prefer versions by feature name: those installed, and those about to be
     * @throws ProvisionException when a dependency is unknown or has no suitable version, two
     *                            versions of one name would be needed, or dependencies form a cycle
     */
    public Map<String, Feature> closure(Collection<Feature> roots, Map<String, String> prefer) throws ProvisionException {
        Map<String, Feature> out = new LinkedHashMap<>();
        for (Feature root : roots) {
            collect(root, "", out, prefer, new ArrayList<>());
        }
        return out;
    }

    private void collect(Feature f, String neededBy, Map<String, Feature> out, Map<String, String> prefer, List<String> stack)
            throws ProvisionException {
        Feature there = out.get(f.name());
        if (there != null) {
            if (!there.version().equals(f.version())) {
                throw new ProvisionException("Two versions of feature '" + f.name() + "' would be needed: " + there.version()
                        + " and " + f.version() + neededBy + "; install the other features at versions that agree");
            }
            return;
        }
        if (stack.contains(f.name())) {
            stack.add(f.name());
            throw new ProvisionException("Features depend on each other in a cycle: " + String.join(" -> ", stack));
        }
        stack.add(f.name());
        for (Feature.Dependency d : f.dependencies()) {
            collect(dependency(d, f, prefer), " (for " + f.name() + " " + f.version() + ")", out, prefer, stack);
        }
        stack.remove(stack.size() - 1);
        out.put(f.name(), f);
    }

    private Feature dependency(Feature.Dependency d, Feature of, Map<String, String> prefer) throws ProvisionException {
        List<Feature> versions = versions(d.name());
        if (versions.isEmpty()) {
            feature(d.name()); // throws, naming the repositories
        }
        String preferred = prefer.get(d.name());
        Feature newest = null;
        for (Feature v : versions) {
            if (Versions.matches(v.version(), d.version())) {
                if (v.version().equals(preferred)) {
                    return v;
                }
                newest = newest == null ? v : newest;
            }
        }
        if (newest == null) {
            throw new ProvisionException("Feature '" + of.name() + "' " + of.version() + " needs '" + d.name() + "' "
                    + d.version() + ", which no repository has (available: " + String.join(", ", versionsOf(versions)) + ")");
        }
        return newest;
    }

    /** The bundles of these features, in order, each location once. */
    public static List<Feature.BundleRef> bundlesOf(Collection<Feature> features) {
        Map<String, Feature.BundleRef> out = new LinkedHashMap<>();
        for (Feature f : features) {
            for (Feature.BundleRef b : f.bundles()) {
                out.putIfAbsent(b.location(), b);
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * The bundles that installing these features (each {@code name} or {@code name/version}) needs,
     * dependencies first, each location once.
     *
     * @throws ProvisionException when a feature or a dependency is unknown, or dependencies form a cycle
     */
    public List<Feature.BundleRef> bundles(List<String> features) throws ProvisionException {
        List<Feature> roots = new ArrayList<>();
        for (String spec : features) {
            roots.add(feature(FeatureId.parse(spec)));
        }
        return bundlesOf(closure(roots, versionsByName(roots)).values());
    }

    /** name to version. */
    public static Map<String, String> versionsByName(Collection<Feature> features) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Feature f : features) {
            out.put(f.name(), f.version());
        }
        return out;
    }

    static List<String> versionsOf(List<Feature> features) {
        return features.stream().map(Feature::version).toList();
    }
}
