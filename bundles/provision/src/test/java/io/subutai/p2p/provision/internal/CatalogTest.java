package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        assertEquals(Set.of("app", "util", "base"), c.closure(List.of(c.feature("app")), Map.of()).keySet());
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
    void aNameHasItsVersionsNewestFirstFromEveryRepositoryAndTheFirstRepositoryWinsATie() throws Exception {
        Path one = put(system, "one.xml", """
                <features name="one">
                  <feature name="x" version="1.0.0" description="first 1.0.0"><bundle>mvn:org.x/x/1.0.0</bundle></feature>
                  <feature name="x" version="1.10.0"><bundle>mvn:org.x/x/1.10.0</bundle></feature>
                  <feature name="x" version="1.9.0"><bundle>mvn:org.x/x/1.9.0</bundle></feature>
                </features>
                """);
        Path two = put(system, "two.xml", """
                <features name="two">
                  <feature name="x" version="1.0.0" description="second 1.0.0"/>
                  <feature name="x" version="2.0.0-SNAPSHOT"><bundle>mvn:org.x/x/2.0.0-SNAPSHOT</bundle></feature>
                </features>
                """);
        Catalog c = Catalog.empty(new ArtifactResolver(List.of(system))).with(one.toString()).with(two.toString());
        assertEquals(List.of("x"), c.names());
        assertEquals(List.of("2.0.0-SNAPSHOT", "1.10.0", "1.9.0", "1.0.0"), Catalog.versionsOf(c.versions("x")));
        assertEquals("2.0.0-SNAPSHOT", c.feature("x").version(), "no version: the newest");
        assertEquals("1.9.0", c.feature(FeatureId.parse("x/1.9.0")).version());
        assertEquals("first 1.0.0", c.feature(FeatureId.parse("x/1.0")).description(), "1.0 is 1.0.0; one wins");
        assertEquals(List.of("mvn:org.x/x/1.9.0"), c.bundles(List.of("x/1.9.0")).stream().map(Feature.BundleRef::location).toList());
        ProvisionException e = assertThrows(ProvisionException.class, () -> c.feature(FeatureId.parse("x/3.0")));
        assertEquals("Feature 'x' has no version 3.0 (available: 2.0.0-SNAPSHOT, 1.10.0, 1.9.0, 1.0.0)", e.getMessage());
    }

    @Test
    void aDependencyTakesThePreferredVersionWhenItFitsElseTheNewestThatFits() throws Exception {
        Path repo = put(system, "deps.xml", """
                <features name="deps">
                  <feature name="lib" version="1.0"><bundle>mvn:org.x/lib/1.0</bundle></feature>
                  <feature name="lib" version="1.5"><bundle>mvn:org.x/lib/1.5</bundle></feature>
                  <feature name="lib" version="2.0"><bundle>mvn:org.x/lib/2.0</bundle></feature>
                  <feature name="any" version="1"><feature>lib</feature></feature>
                  <feature name="ones" version="1"><feature version="[1.0,2.0)">lib</feature></feature>
                  <feature name="exact" version="1"><feature version="1.0">lib</feature></feature>
                  <feature name="gone" version="1"><feature version="[3,4)">lib</feature></feature>
                </features>
                """);
        Catalog c = Catalog.empty(new ArtifactResolver(List.of(system))).with(repo.toString());
        assertEquals("2.0", lib(c, "any", Map.of()));
        assertEquals("1.0", lib(c, "any", Map.of("lib", "1.0")), "what is installed is kept");
        assertEquals("1.5", lib(c, "ones", Map.of()));
        assertEquals("1.5", lib(c, "ones", Map.of("lib", "2.0")), "a preference outside the range does not count");
        assertEquals("1.0", lib(c, "exact", Map.of()));
        ProvisionException e = assertThrows(ProvisionException.class, () -> lib(c, "gone", Map.of()));
        assertEquals("Feature 'gone' 1 needs 'lib' [3,4), which no repository has (available: 2.0, 1.5, 1.0)", e.getMessage());
        e = assertThrows(ProvisionException.class, () -> c.closure(List.of(c.feature("any"), c.feature("exact")), Map.of()));
        assertTrue(e.getMessage().startsWith("Two versions of feature 'lib' would be needed: 2.0 and 1.0 (for exact 1)"),
                e.getMessage());
    }

    private static String lib(Catalog c, String root, Map<String, String> prefer) throws ProvisionException {
        return c.closure(List.of(c.feature(root)), prefer).get("lib").version();
    }

    @Test
    void aRepositoryWhoseBundlesAreMissingIsListedAndOnlyItsBundlesFailToResolve() throws Exception {
        Path extras = put(system, "extras.xml", """
                <features name="extras">
                  <feature name="p2p-crypto-pq" version="1.0"><bundle>mvn:io.subutai.p2p/crypto-pq/1.0</bundle></feature>
                </features>
                """);
        Catalog c = Catalog.empty(new ArtifactResolver(List.of(system))).with(extras.toString());
        assertEquals(List.of("p2p-crypto-pq"), c.names());
        Feature.BundleRef ref = c.bundles(List.of("p2p-crypto-pq")).get(0);
        ProvisionException e = assertThrows(ProvisionException.class, () -> c.resolver().resolve(ref.location()));
        assertTrue(e.getMessage().startsWith("Cannot find mvn:io.subutai.p2p/crypto-pq/1.0; looked in "), e.getMessage());
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
