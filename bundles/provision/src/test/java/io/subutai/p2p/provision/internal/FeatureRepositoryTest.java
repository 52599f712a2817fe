package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class FeatureRepositoryTest {

    static final String KARAF = """
            <?xml version="1.0" encoding="UTF-8"?>
            <features name="acme-1.0" xmlns="http://karaf.apache.org/xmlns/features/v1.6.0">
              <repository>mvn:com.acme/more/1.0/xml/features</repository>
              <feature name="acme-base" version="1.0" description="Base">
                <details>Longer text</details>
                <bundle start-level="20">mvn:com.acme/base/1.0</bundle>
                <bundle start="false">mvn:com.acme/lib/1.0</bundle>
              </feature>
              <feature name="acme-app" version="1.0">
                <feature>acme-base</feature>
                <bundle>file:/opt/acme/app.jar</bundle>
              </feature>
            </features>
            """;

    @Test
    void readsKarafFeaturesXml() throws Exception {
        FeatureRepository r = parse(KARAF);
        assertEquals("acme-1.0", r.name());
        assertEquals(List.of("mvn:com.acme/more/1.0/xml/features"), r.repositories());
        assertEquals(List.of("acme-base", "acme-app"), r.features().stream().map(Feature::name).toList());
        Feature base = r.features().get(0);
        assertEquals("1.0", base.version());
        assertEquals("Base", base.description());
        assertEquals("acme-1.0", base.repository());
        assertEquals(List.of(new Feature.BundleRef("mvn:com.acme/base/1.0", 20, true),
                new Feature.BundleRef("mvn:com.acme/lib/1.0", 0, false)), base.bundles());
        Feature app = r.features().get(1);
        assertEquals(List.of(new Feature.Dependency("acme-base", "")), app.dependencies());
        assertEquals("", app.description());
    }

    @Test
    void acceptsOtherNamespaceVersionsAndNone() throws Exception {
        assertEquals(1, parse("<features name='x' xmlns='http://karaf.apache.org/xmlns/features/v1.3.0'>"
                + "<feature name='f'/></features>").features().size());
        assertEquals(1, parse("<features name='x'><feature name='f'/></features>").features().size());
    }

    @Test
    void rejectsWhatItCannotHonour() {
        assertMessage("<features name='x'><feature name='f'><config name='c'>a=b</config></feature></features>",
                "<config> is not supported");
        assertMessage("<features name='x'><feature name='f'><conditional/></feature></features>", "<conditional>");
        assertMessage("<features name='x'><nonsense/></features>", "unknown element <nonsense>");
        assertMessage("<repo name='x'/>", "root element must be <features>");
        assertMessage("<features><feature name='f'/></features>", "no name attribute");
        assertMessage("<features name='x'><feature/></features>", "<feature> has no name");
        assertMessage("<features name='x'><feature name='f'/><feature name='f'/></features>", "defines feature 'f' twice");
        assertMessage("<features name='x'><feature name='f' version='1.0'/><feature name='f' version='1.0'/></features>",
                "defines feature 'f' version 1.0 twice");
        assertMessage("<features name='x'><feature name='f'><feature version='[1.0'>g</feature></feature></features>",
                "malformed version range [1.0");
        assertMessage("<features name='x'><feature name='f'><bundle> </bundle></feature></features>", "empty <bundle>");
        assertMessage("<features name='x'><feature name='f'><bundle start-level='x'>a.jar</bundle></feature></features>",
                "start-level must be a positive number");
        assertMessage("<features name='x'><feature name='f'>", "is not valid XML");
        assertMessage("", "is not valid XML");
    }

    @Test
    void readsSeveralVersionsOfOneFeatureAndVersionedDependencies() throws Exception {
        FeatureRepository r = parse("""
                <features name="x">
                  <feature name="f" version="1.0.0"><bundle>a-1.0.0.jar</bundle></feature>
                  <feature name="f" version="1.1.0"><bundle>a-1.1.0.jar</bundle></feature>
                  <feature name="g" version="1"><feature version="[1.0,1.1)">f</feature><feature version="0.0.0">h</feature></feature>
                </features>
                """);
        assertEquals(List.of("f/1.0.0", "f/1.1.0", "g/1"), r.features().stream().map(f -> f.id().toString()).toList());
        assertEquals(List.of(new Feature.Dependency("f", "[1.0,1.1)"), new Feature.Dependency("h", "0.0.0")),
                r.features().get(2).dependencies());
    }

    @Test
    void refusesDoctypesSoNoEntityIsEverExpanded() {
        String xxe = "<?xml version='1.0'?><!DOCTYPE features [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + "<features name='&x;'/>";
        assertMessage(xxe, "is not valid XML");
    }

    private static void assertMessage(String xml, String part) {
        ProvisionException e = assertThrows(ProvisionException.class, () -> parse(xml));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().contains("test:repo"), "names the repository: " + e.getMessage());
    }

    static FeatureRepository parse(String xml) throws ProvisionException {
        return FeatureRepository.parse("test:repo", new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
