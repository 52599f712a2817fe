package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a start installs: the state file's versions, after a restart. */
class BootTest {

    @TempDir
    Path dir;

    private ProvisionSettings settings;
    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void repositories() throws Exception {
        Path main = dir.resolve("main.xml");
        Files.writeString(main, """
                <features name="main">
                  <feature name="daemon" version="1.0"><feature>tap</feature></feature>
                  <feature name="tap" version="1.0"><bundle>mvn:org.x/tap/1.0</bundle></feature>
                  <feature name="tap" version="1.1"><bundle>mvn:org.x/tap/1.1</bundle></feature>
                </features>
                """);
        Path extras = dir.resolve("extras.xml");
        Files.writeString(extras, """
                <features name="extras">
                  <feature name="x" version="1.0.0"><bundle>mvn:org.x/x/1.0.0</bundle></feature>
                  <feature name="x" version="1.1.0"><bundle>mvn:org.x/x/1.1.0</bundle></feature>
                  <feature name="x" version="1.2.0"><bundle>mvn:org.x/x/1.2.0</bundle></feature>
                </features>
                """);
        settings = new ProvisionSettings(null, List.of(), dir.resolve("features.state"),
                List.of(main.toString(), extras.toString()), List.of("daemon"));
    }

    private List<String> afterRestartWith(String stateFile) throws Exception {
        Files.writeString(settings.stateFile(), stateFile);
        ProvisionState state = ProvisionState.read(settings.stateFile());
        Catalog catalog = Boot.catalog(settings, state, warnings::add);
        List<Feature> features = Boot.features(settings, state, catalog, warnings::add);
        List<String> out = new ArrayList<>();
        for (Feature.BundleRef b : Catalog.bundlesOf(catalog.closure(features, Catalog.versionsByName(features)).values())) {
            out.add(b.location());
        }
        return out;
    }

    @Test
    void theRecordedVersionIsInstalledNotTheNewest() throws Exception {
        assertEquals(List.of("mvn:org.x/tap/1.1", "mvn:org.x/x/1.1.0"), afterRestartWith("features=x/1.1.0\n"));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aFileWithoutVersionsInstallsTheNewest() throws Exception {
        assertEquals(List.of("mvn:org.x/tap/1.1", "mvn:org.x/x/1.2.0"), afterRestartWith("features=x\n"));
    }

    @Test
    void aBootFeaturesDependencyInstalledAtAnotherVersionComesBackAtIt() throws Exception {
        assertEquals(List.of("mvn:org.x/tap/1.0"), afterRestartWith("features=tap/1.0\n"));
    }

    @Test
    void aVersionNoRepositoryHasAnyMoreGivesWayToTheNewestWithAWarning() throws Exception {
        assertEquals(List.of("mvn:org.x/tap/1.1", "mvn:org.x/x/1.2.0"), afterRestartWith("features=x/0.9\n"));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("Feature 'x' has no version 0.9 (available: 1.2.0, 1.1.0, 1.0.0); "
                + "installing the newest"), warnings.get(0));
    }

    @Test
    void aFeatureNoRepositoryHasAnyMoreIsSkippedWithAWarning() throws Exception {
        assertEquals(List.of("mvn:org.x/tap/1.1"), afterRestartWith("features=gone/1.0\n"));
        assertTrue(warnings.get(0).startsWith("No feature named 'gone'") && warnings.get(0).endsWith("(installed at run time; skipped)"),
                warnings.toString());
    }
}
