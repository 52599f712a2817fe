package io.subutai.p2p.provision.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where provisioning looks, from framework properties the launcher sets:
 * {@code p2p.home} (its {@code system/} folder is searched first), {@code p2p.state.dir} (where
 * runtime additions are kept), {@code p2p.features.repositories} and {@code p2p.features.boot}
 * (comma-separated: the repositories and features every start installs), and
 * {@code p2p.features.maven} (comma-separated Maven repository directories searched after
 * {@code system/}).
 */
public record ProvisionSettings(Path systemDir, List<Path> mavenDirs, Path stateFile,
        List<String> bootRepositories, List<String> bootFeatures) {

    public static final String REPOSITORIES = "p2p.features.repositories";
    public static final String BOOT = "p2p.features.boot";
    public static final String MAVEN = "p2p.features.maven";
    public static final String HOME = "p2p.home";
    public static final String STATE_DIR = "p2p.state.dir";

    public ProvisionSettings {
        mavenDirs = List.copyOf(mavenDirs);
        bootRepositories = List.copyOf(bootRepositories);
        bootFeatures = List.copyOf(bootFeatures);
    }

    public static ProvisionSettings from(Function<String, String> properties) {
        String home = properties.apply(HOME);
        String state = properties.apply(STATE_DIR);
        List<Path> maven = new ArrayList<>();
        for (String dir : split(properties.apply(MAVEN))) {
            maven.add(Path.of(dir));
        }
        return new ProvisionSettings(home == null ? null : Path.of(home, "system"), maven,
                state == null ? null : Path.of(state, "features.state"),
                split(properties.apply(REPOSITORIES)), split(properties.apply(BOOT)));
    }

    /** The system folder first, then the Maven directories. */
    public ArtifactResolver resolver() {
        List<Path> dirs = new ArrayList<>();
        if (systemDir != null) {
            dirs.add(systemDir);
        }
        dirs.addAll(mavenDirs);
        return new ArtifactResolver(dirs);
    }

    public static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String s : value.split(",")) {
                String t = s.trim();
                if (!t.isEmpty() && !out.contains(t)) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
