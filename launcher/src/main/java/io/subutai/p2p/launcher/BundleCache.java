package io.subutai.p2p.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether a start may take the OSGi framework's bundle cache as the last start left it, rather
 * than clear it and install every bundle again (about 0.2 s of a start). It may when nothing that
 * decides what the boot installs has changed since a start that succeeded: the distribution's jars,
 * bundles, feature repositories and boot configuration, the bundles dropped into {@code deploy/},
 * and the features installed at run time (the provisioning state file). What was recorded is a
 * digest of their names, sizes and times, in {@value #STAMP} in the state directory; it is removed
 * before a start and written again once the start succeeded, so a start that fails or is killed
 * leaves none, and the next start clears the cache.
 *
 * <p>Configuration never comes from the cache: the daemon clears ConfigAdmin's directory at every
 * start (it comes from {@code conf/*.cfg} and the daemon's YAML file).
 */
final class BundleCache {

    static final String STAMP = "bundle-cache.stamp";

    private BundleCache() {
    }

    /** The digest of what the boot installs from: the distribution {@code home} and the files given. */
    static String fingerprint(Path home, String version, List<Path> files) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java has SHA-256
        }
        d.update(version.getBytes(StandardCharsets.UTF_8));
        for (String dir : List.of("lib", "system", "features", "conf", "deploy")) {
            Path root = home.resolve(dir);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile).sorted()::iterator) {
                    entry(d, p);
                }
            }
        }
        for (Path p : files) {
            if (Files.isRegularFile(p)) {
                entry(d, p);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static void entry(MessageDigest d, Path p) throws IOException {
        String line = p + "\t" + Files.size(p) + "\t" + Files.getLastModifiedTime(p).toMillis() + "\n";
        d.update(line.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Whether the cache in {@code cache} is as a successful start with {@code fingerprint} left it;
     * either way, forgets the record until {@link #started}.
     */
    static boolean takeReusable(Path stateDir, Path cache, String fingerprint) throws IOException {
        Path stamp = stateDir.resolve(STAMP);
        boolean same = Files.isRegularFile(stamp) && Files.isDirectory(cache)
                && Files.readString(stamp, StandardCharsets.UTF_8).strip().equals(fingerprint);
        Files.deleteIfExists(stamp);
        return same;
    }

    /** Records that a start with {@code fingerprint} succeeded. */
    static void started(Path stateDir, String fingerprint) throws IOException {
        Path tmp = stateDir.resolve(STAMP + ".tmp");
        Files.writeString(tmp, fingerprint + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, stateDir.resolve(STAMP), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes a directory tree (ConfigAdmin's, inside the cache), when there is one. */
    static void clear(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
