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
import java.util.List;
import java.util.Properties;

/**
 * What was added at run time and must come back after a restart: repositories and features.
 * Kept as a properties file in the state directory, replaced atomically.
 *
 * @param repositories repository URIs added with {@code repo-add}
 * @param features     features installed with {@code feature-install}
 */
public record ProvisionState(List<String> repositories, List<String> features) {

    public ProvisionState {
        repositories = List.copyOf(repositories);
        features = List.copyOf(features);
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
                ProvisionSettings.split(p.getProperty("features")));
    }

    /** Writes to a temporary file, forces it to disk and renames it over {@code file}. */
    public void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("repositories", String.join(",", repositories));
        p.setProperty("features", String.join(",", features));
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
