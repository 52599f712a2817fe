package io.subutai.p2p.provision.internal;

import java.util.List;

/**
 * A feature as a repository defines it.
 *
 * @param name         its name
 * @param version      its version, or empty
 * @param description  one line, or empty
 * @param repository   the name of the repository that defines it
 * @param dependencies names of the features it needs, installed first
 * @param bundles      its own bundles, in order
 */
public record Feature(String name, String version, String description, String repository,
        List<String> dependencies, List<BundleRef> bundles) {

    public Feature {
        dependencies = List.copyOf(dependencies);
        bundles = List.copyOf(bundles);
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
