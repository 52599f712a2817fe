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
 */
public final class Catalog {

    private final ArtifactResolver resolver;
    private final Map<String, FeatureRepository> repositories; // by URI, in the order added
    private final Map<String, Feature> features; // by name; the first repository that defines a name wins

    private Catalog(ArtifactResolver resolver, Map<String, FeatureRepository> repositories) {
        this.resolver = resolver;
        this.repositories = repositories;
        Map<String, Feature> f = new LinkedHashMap<>();
        for (FeatureRepository r : repositories.values()) {
            for (Feature feature : r.features().values()) {
                f.putIfAbsent(feature.name(), feature);
            }
        }
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

    public List<Feature> features() {
        return List.copyOf(features.values());
    }

    public Feature feature(String name) throws ProvisionException {
        Feature f = features.get(name);
        if (f == null) {
            throw new ProvisionException("No feature named '" + name + "' in "
                    + (repositories.isEmpty() ? "any repository (none added)" : "the repositories "
                    + String.join(", ", repositories.keySet())));
        }
        return f;
    }

    /** These features and every feature they depend on, directly or not (unknown names are skipped). */
    public Set<String> closure(Collection<String> featureNames) {
        Set<String> out = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(featureNames);
        while (!todo.isEmpty()) {
            String name = todo.remove(todo.size() - 1);
            Feature f = features.get(name);
            if (f != null && out.add(name)) {
                todo.addAll(f.dependencies());
            }
        }
        return out;
    }

    /**
     * The bundles that installing these features needs, dependencies first, each location once.
     *
     * @throws ProvisionException when a feature or a dependency is unknown, or dependencies form a cycle
     */
    public List<Feature.BundleRef> bundles(List<String> featureNames) throws ProvisionException {
        Map<String, Feature.BundleRef> out = new LinkedHashMap<>();
        Set<String> done = new LinkedHashSet<>();
        for (String name : featureNames) {
            collect(name, out, done, new ArrayList<>());
        }
        return List.copyOf(out.values());
    }

    private void collect(String name, Map<String, Feature.BundleRef> out, Set<String> done, List<String> stack)
            throws ProvisionException {
        if (done.contains(name)) {
            return;
        }
        if (stack.contains(name)) {
            stack.add(name);
            throw new ProvisionException("Features depend on each other in a cycle: " + String.join(" -> ", stack));
        }
        Feature f = feature(name);
        stack.add(name);
        for (String dep : f.dependencies()) {
            collect(dep, out, done, stack);
        }
        stack.remove(stack.size() - 1);
        for (Feature.BundleRef b : f.bundles()) {
            out.putIfAbsent(b.location(), b);
        }
        done.add(name);
    }
}
