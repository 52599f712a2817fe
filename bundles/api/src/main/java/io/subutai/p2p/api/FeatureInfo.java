package io.subutai.p2p.api;

import java.util.List;

/**
 * A feature of a feature repository.
 *
 * @param name        the feature's name
 * @param version     its version, as the repository gives it
 * @param repository  the name of the repository that defines it
 * @param description one line for humans, may be empty
 * @param installed   whether it is installed in this daemon
 * @param bundles     the bundle locations it brings, in install order
 */
public record FeatureInfo(String name, String version, String repository, String description,
        boolean installed, List<String> bundles) {

    public FeatureInfo {
        bundles = List.copyOf(bundles);
    }
}
