package io.subutai.p2p.provision.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * What was added at run time and must come back after a restart: repositories, and features at
 * the version installed. Kept as a properties file in the state directory
 * ({@code features=name/version,...}), replaced atomically. A file written before versions were
 * kept names features without one ({@code features=a,b}); those read as "the newest".
 *
 * @param repositories repository URIs added with {@code repo-add}
 * @param features     features installed with {@code feature-install} (new ones, and boot features
 *                     installed at another version), each once
 */
public record ProvisionState(List<String> repositories, List<FeatureId> features) {

    public ProvisionState {
        repositories = List.copyOf(repositories);
        features = List.copyOf(features);
    }

    /** The version recorded for a feature, if any. */
    public Optional<FeatureId> feature(String name) {
        return features.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** This state with the feature recorded at its version, in place of another version of it. */
    public ProvisionState with(FeatureId feature) {
        List<FeatureId> next = new ArrayList<>(features);
        int at = next.indexOf(feature(feature.name()).orElse(null));
        if (at < 0) {
            next.add(feature);
        } else {
            next.set(at, feature);
        }
        return new ProvisionState(repositories, next);
    }

    /** This state without the feature, at whatever version. */
    public ProvisionState without(String name) {
        return new ProvisionState(repositories, features.stream().filter(f -> !f.name().equals(name)).toList());
    }

    public static ProvisionState read(Path file) throws IOException {
        if (file == null) {
            return new ProvisionState(List.of(), List.of());
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            return new ProvisionState(List.of(), List.of());
        }
        return new ProvisionState(ProvisionSettings.split(p.getProperty("repositories")),
                ProvisionSettings.split(p.getProperty("features")).stream().map(FeatureId::parse).toList());
    }

    /** Writes to a temporary file, forces it to disk and renames it over {@code file}. */
    public void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("repositories", String.join(",", repositories));
        p.setProperty("features", String.join(",", features.stream().map(FeatureId::toString).toList()));
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "p2p: feature repositories and features added at run time");
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
