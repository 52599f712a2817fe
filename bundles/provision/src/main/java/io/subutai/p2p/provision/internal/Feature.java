package io.subutai.p2p.provision.internal;

import java.util.List;

/**
 * A feature as a repository defines it. A repository may define several versions of one name.
 *
 * @param name         its name
 * @param version      its version, or empty
 * @param description  one line, or empty
 * @param repository   the name of the repository that defines it
 * @param dependencies the features it needs, installed first
 * @param bundles      its own bundles, in order
 */
public record Feature(String name, String version, String description, String repository,
        List<Dependency> dependencies, List<BundleRef> bundles) {

    public Feature {
        dependencies = List.copyOf(dependencies);
        bundles = List.copyOf(bundles);
    }

    public FeatureId id() {
        return new FeatureId(name, version);
    }

    /**
     * A feature another one needs.
     *
     * @param name    the feature's name
     * @param version which versions will do, as {@link Versions#matches} reads it; empty for any
     */
    public record Dependency(String name, String version) {

        @Override
        public String toString() {
            return version.isEmpty() ? name : name + " " + version;
        }
    }

    /**
     * A bundle of a feature.
     *
     * @param location   where it comes from ({@code mvn:}, {@code file:} or a path); also its bundle location
     * @param startLevel the start level, or 0 for the default
     * @param start      whether to start it
     */
    public record BundleRef(String location, int startLevel, boolean start) {
    }
}
