package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

    @TempDir
    Path system;
    @TempDir
    Path maven;

    @Test
    void mavenUrlsMapToMavenLayout() throws Exception {
        assertEquals("org/apache/felix/org.apache.felix.scr/2.2.18/org.apache.felix.scr-2.2.18.jar",
                ArtifactResolver.mavenPath("mvn:org.apache.felix/org.apache.felix.scr/2.2.18"));
        assertEquals("io/subutai/p2p/features/1.0/features-1.0-features.xml",
                ArtifactResolver.mavenPath("mvn:io.subutai.p2p/features/1.0/xml/features"));
        for (String bad : List.of("mvn:a/b", "mvn:a/b/c/d/e/f", "mvn:a//1", "mvn:../../etc/passwd/1", "mvn:a/b/..")) {
            assertThrows(ProvisionException.class, () -> ArtifactResolver.mavenPath(bad), bad);
        }
    }

    @Test
    void resolvesFromSystemFolderFirstThenMavenDirectories() throws Exception {
        Path inSystem = put(system, "org/x/a/1/a-1.jar");
        put(maven, "org/x/a/1/a-1.jar");
        Path onlyMaven = put(maven, "org/x/b/1/b-1.jar");
        ArtifactResolver r = new ArtifactResolver(List.of(system, maven));
        assertEquals(inSystem, r.resolve("mvn:org.x/a/1"));
        assertEquals(onlyMaven, r.resolve("mvn:org.x/b/1"));
        assertEquals(onlyMaven, r.resolve(onlyMaven.toUri().toString()));
        assertEquals(onlyMaven, r.resolve(onlyMaven.toString()));
        ProvisionException e = assertThrows(ProvisionException.class, () -> r.resolve("mvn:org.x/c/1"));
        assertTrue(e.getMessage().contains(system.toString()) && e.getMessage().contains(maven.toString()), e.getMessage());
        assertThrows(ProvisionException.class, () -> r.resolve("http://example.invalid/a.jar"));
    }

    @Test
    void readsReferencedRepositoriesAndResolvesFeatureClosuresDependenciesFirst() throws Exception {
        put(system, "org/x/more/1/more-1-features.xml", """
                <features name="more"><feature name="base"><bundle>mvn:org.x/base/1</bundle></feature></features>
                """);
        Path main = put(system, "main.xml", """
                <features name="main">
                  <repository>mvn:org.x/more/1/xml/features</repository>
                  <feature name="app"><feature>base</feature><feature>util</feature><bundle>mvn:org.x/app/1</bundle></feature>
                  <feature name="util"><feature>base</feature><bundle>mvn:org.x/util/1</bundle><bundle>mvn:org.x/base/1</bundle></feature>
                </features>
                """);
        Catalog c = Catalog.empty(new ArtifactResolver(List.of(system))).with(main.toUri().toString());
        assertEquals(2, c.repositories().size());
        assertEquals(List.of("mvn:org.x/base/1", "mvn:org.x/util/1", "mvn:org.x/app/1"),
                c.bundles(List.of("app")).stream().map(Feature.BundleRef::location).toList());
        assertEquals(Set.of("app", "util", "base"), c.closure(List.of("app")));
        assertSame(c, c.with(main.toUri().toString()), "adding a known repository changes nothing");
    }

    @Test
    void unknownFeaturesCyclesAndMissingRepositoriesAreClearErrors() throws Exception {
        Path cyc = put(system, "cyc.xml", """
                <features name="cyc">
                  <feature name="a"><feature>b</feature></feature>
                  <feature name="b"><feature>a</feature></feature>
                  <feature name="c"><feature>nope</feature></feature>
                </features>
                """);
        Catalog empty = Catalog.empty(new ArtifactResolver(List.of(system)));
        Catalog c = empty.with(cyc.toString());
        assertTrue(assertThrows(ProvisionException.class, () -> c.bundles(List.of("a"))).getMessage()
                .contains("cycle: a -> b -> a"));
        assertTrue(assertThrows(ProvisionException.class, () -> c.bundles(List.of("c"))).getMessage()
                .contains("No feature named 'nope'"));
        ProvisionException e = assertThrows(ProvisionException.class, () -> empty.with(system.resolve("gone.xml").toString()));
        assertTrue(e.getMessage().contains("gone.xml"), e.getMessage());
        assertTrue(empty.repositories().isEmpty(), "a failed addition adds nothing");
    }

    @Test
    void aBrokenReferencedRepositoryAddsNothing() throws Exception {
        Path main = put(system, "main.xml", "<features name='m'><repository>mvn:org.x/missing/1/xml/features</repository>"
                + "<feature name='f'/></features>");
        Catalog empty = Catalog.empty(new ArtifactResolver(List.of(system)));
        assertThrows(ProvisionException.class, () -> empty.with(main.toString()));
        assertTrue(empty.features().isEmpty());
    }

    @Test
    void stateSurvivesARoundTrip() throws Exception {
        Path file = system.resolve("state/features.state");
        assertEquals(new ProvisionState(List.of(), List.of()), ProvisionState.read(file));
        ProvisionState s = new ProvisionState(List.of("file:/a.xml", "mvn:g/a/1/xml/features"), List.of("x", "y"));
        s.write(file);
        assertEquals(s, ProvisionState.read(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    private static Path put(Path root, String relative) throws IOException {
        return put(root, relative, "x");
    }

    private static Path put(Path root, String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }
}
