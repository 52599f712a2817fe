package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCacheTest {

    @TempDir
    Path dir;

    @Test
    void theCacheIsKeptOnlyAfterASuccessfulStartWithNothingChanged() throws Exception {
        Path home = dir.resolve("home");
        Path state = dir.resolve("state");
        Path cache = state.resolve("cache");
        Files.createDirectories(home.resolve("system/g/a/1"));
        Files.createDirectories(cache);
        Path bundle = Files.writeString(home.resolve("system/g/a/1/a-1.jar"), "jar");
        Path provisioned = state.resolve("features.state");
        String before = BundleCache.fingerprint(home, "1.0", List.of(provisioned));

        assertFalse(BundleCache.takeReusable(state, cache, before), "no start recorded yet");
        BundleCache.started(state, before);
        assertTrue(BundleCache.takeReusable(state, cache, before));
        assertFalse(BundleCache.takeReusable(state, cache, before), "taken: a start that then fails leaves no record");

        BundleCache.started(state, before);
        assertEquals(before, BundleCache.fingerprint(home, "1.0", List.of(provisioned)));
        assertNotEquals(before, BundleCache.fingerprint(home, "1.1", List.of(provisioned)), "another version");
        Files.setLastModifiedTime(bundle, FileTime.fromMillis(Files.getLastModifiedTime(bundle).toMillis() + 1000));
        String rebuilt = BundleCache.fingerprint(home, "1.0", List.of(provisioned));
        assertNotEquals(before, rebuilt, "a bundle rebuilt");
        Files.writeString(provisioned, "feature p2p-transport-tcp");
        assertNotEquals(rebuilt, BundleCache.fingerprint(home, "1.0", List.of(provisioned)), "a feature installed at run time");
        Files.createDirectories(home.resolve("deploy"));
        Files.writeString(home.resolve("deploy/x.jar"), "x");
        assertFalse(BundleCache.takeReusable(state, cache, BundleCache.fingerprint(home, "1.0", List.of(provisioned))),
                "a bundle dropped into deploy/");

        BundleCache.started(state, before);
        BundleCache.clear(cache);
        assertFalse(BundleCache.takeReusable(state, cache, before), "no cache left to take");
    }
}
