package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisionStateTest {

    @TempDir
    Path dir;

    @Test
    void featuresAreKeptWithTheirVersionsAndSurviveARoundTrip() throws Exception {
        Path file = dir.resolve("state/features.state");
        assertEquals(new ProvisionState(List.of(), List.of()), ProvisionState.read(file));
        ProvisionState s = new ProvisionState(List.of("file:/a.xml", "mvn:g/a/1/xml/features"),
                List.of(new FeatureId("x", "1.1.0"), new FeatureId("y", "2.0-SNAPSHOT")));
        s.write(file);
        assertEquals(s, ProvisionState.read(file));
        assertEquals(List.of("features=x/1.1.0,y/2.0-SNAPSHOT"),
                Files.readAllLines(file).stream().filter(l -> l.startsWith("features=")).toList());
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void aFileOfTheFormatWithoutVersionsReadsAsTheNewest() throws Exception {
        Path file = dir.resolve("features.state");
        Files.writeString(file, "#p2p: feature repositories and features added at run time\n"
                + "repositories=file\\:/a.xml\nfeatures=x,y\n");
        ProvisionState s = ProvisionState.read(file);
        assertEquals(List.of("file:/a.xml"), s.repositories());
        assertEquals(List.of(new FeatureId("x", ""), new FeatureId("y", "")), s.features());
    }

    @Test
    void aFeatureIsRecordedOnceAtTheVersionLastInstalled() {
        ProvisionState s = new ProvisionState(List.of(), List.of(new FeatureId("a", "1"), new FeatureId("b", "1")));
        assertEquals(List.of(new FeatureId("a", "2"), new FeatureId("b", "1")), s.with(new FeatureId("a", "2")).features());
        assertEquals(List.of(new FeatureId("a", "1"), new FeatureId("b", "1"), new FeatureId("c", "1")),
                s.with(new FeatureId("c", "1")).features());
        assertEquals(List.of(new FeatureId("b", "1")), s.without("a").features());
    }

    @Test
    void aFeatureIsNamedAloneOrWithItsVersion() {
        assertEquals(new FeatureId("p2p-x", "1.1.0"), FeatureId.parse(" p2p-x/1.1.0 "));
        assertEquals(new FeatureId("p2p-x", ""), FeatureId.parse("p2p-x"));
        assertEquals("p2p-x/1.1.0", new FeatureId("p2p-x", "1.1.0").toString());
        assertEquals("p2p-x", new FeatureId("p2p-x", "").toString());
    }
}
