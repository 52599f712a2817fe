package io.subutai.p2p.provision.internal;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the file behind a bundle or repository location: {@code mvn:group/artifact/version[/type[/classifier]]}
 * in the distribution's {@code system/} folder and then in the configured Maven repository
 * directories (both in Maven layout); {@code file:} URLs and plain paths as they are. Nothing is
 * fetched from a network.
 */
public final class ArtifactResolver {

    private final List<Path> repositories;

    /** @param repositories directories in Maven layout, searched in order (the system folder first) */
    public ArtifactResolver(List<Path> repositories) {
        this.repositories = List.copyOf(repositories);
    }

    public List<Path> repositories() {
        return repositories;
    }

    /**
     * @throws ProvisionException when the location is malformed or no file is there; the message
     *                            names the places searched
     */
    public Path resolve(String location) throws ProvisionException {
        if (location.startsWith("mvn:")) {
            String relative = mavenPath(location);
            List<String> tried = new ArrayList<>();
            for (Path repo : repositories) {
                Path p = repo.resolve(relative);
                if (Files.isRegularFile(p)) {
                    return p;
                }
                tried.add(p.toString());
            }
            throw new ProvisionException("Cannot find " + location + "; looked in " + String.join(", ", tried)
                    + (tried.isEmpty() ? "no repository (none configured)" : ""));
        }
        Path p;
        if (location.startsWith("file:")) {
            try {
                p = Path.of(URI.create(location));
            } catch (IllegalArgumentException e) {
                throw new ProvisionException("Malformed file URL " + location + ": " + e.getMessage(), e);
            }
        } else if (location.indexOf(':') > 1) {
            throw new ProvisionException("Unsupported location " + location + " (use mvn:, file: or a path)");
        } else {
            p = Path.of(location);
        }
        if (!Files.isRegularFile(p)) {
            throw new ProvisionException("Cannot find " + location + ": no file at " + p.toAbsolutePath());
        }
        return p;
    }

    /** {@code mvn:g/a/v[/type[/classifier]]} to {@code g/as/path/a/v/a-v[-classifier].type}. */
    static String mavenPath(String location) throws ProvisionException {
        String[] parts = location.substring(4).split("/", -1);
        if (parts.length < 3 || parts.length > 5) {
            throw new ProvisionException("Malformed Maven URL " + location
                    + " (expected mvn:group/artifact/version[/type[/classifier]])");
        }
        for (String part : parts) {
            if (part.isEmpty() || part.contains("..") || part.contains("\\") || part.contains(":")) {
                throw new ProvisionException("Malformed Maven URL " + location);
            }
        }
        String g = parts[0];
        String a = parts[1];
        String v = parts[2];
        String type = parts.length > 3 ? parts[3] : "jar";
        String classifier = parts.length > 4 ? "-" + parts[4] : "";
        return g.replace('.', '/') + "/" + a + "/" + v + "/" + a + "-" + v + classifier + "." + type;
    }
}
