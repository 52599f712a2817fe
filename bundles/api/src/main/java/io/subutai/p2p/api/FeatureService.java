package io.subutai.p2p.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Feature repositories (Karaf features XML) and the features they name, for deployments that add
 * their own modules to a running daemon. Bundles are found in the distribution's {@code system/}
 * folder (Maven layout) or in a configured Maven repository directory.
 * Every method throws {@link P2pException} with a message fit for the user when it cannot do
 * what was asked; nothing is left half-installed.
 */
@ProviderType
public interface FeatureService {

    /** The repositories known, as the URIs they were added with, in the order they were added. */
    List<String> repositories();

    /**
     * Reads the repository at {@code uri} (a {@code file:} URL, a path, or a
     * {@code mvn:group/artifact/version[/type[/classifier]]} URL) and the repositories it refers to,
     * and adds its features. The addition is kept across daemon restarts.
     *
     * @return the repository's name
     */
    String addRepository(String uri);

    /** Every feature of every known repository, one per name, with the versions offered. */
    List<FeatureInfo> features();

    /**
     * Installs and starts the feature and what it depends on; kept, at its version, across daemon
     * restarts. {@code name} is {@code NAME} (the newest version) or {@code NAME/VERSION}. When
     * another version is installed, its bundles are updated in place (same bundle, new jar, its
     * services registered anew), new ones installed and those it no longer has uninstalled; if any
     * of that fails, the previous version is restored and the exception says so.
     */
    FeatureInfo install(String name);

    /** Stops and uninstalls the feature's bundles that no other installed feature needs. */
    FeatureInfo uninstall(String name);
}
