package io.subutai.p2p.api;

import java.util.List;

/**
 * A feature of the feature repositories: one name, with every version they offer.
 *
 * @param name             the feature's name
 * @param version          the version this describes: the installed one if the feature is
 *                         installed, else the newest
 * @param repository       the name of the repository that defines that version
 * @param description      one line for humans, may be empty
 * @param installed        whether it is installed in this daemon
 * @param bundles          the bundle locations that version brings, in install order
 * @param installedVersion the version installed, or empty when none is
 * @param available        every version the repositories offer, newest first
 */
public record FeatureInfo(String name, String version, String repository, String description,
        boolean installed, List<String> bundles, String installedVersion, List<String> available) {

    public FeatureInfo {
        bundles = List.copyOf(bundles);
        installedVersion = installedVersion == null ? "" : installedVersion;
        available = List.copyOf(available);
    }

    /** A feature with one version, installed at it or not. */
    public FeatureInfo(String name, String version, String repository, String description, boolean installed,
            List<String> bundles) {
        this(name, version, repository, description, installed, bundles, installed ? version : "", List.of(version));
    }
}
