package io.subutai.p2p.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleRevisions;

import io.subutai.p2p.api.FeatureInfo;
import io.subutai.p2p.api.FeatureService;
import io.subutai.p2p.api.P2pException;
import io.subutai.p2p.spi.TapDriver;

/**
 * Installing another version of an installed feature updates its bundles in place, and a failed
 * upgrade rolls back, in a real Felix with the default features. The feature's bundle is a copy
 * of {@code tap-memory} made here, renamed ({@value #EXTRA}), its TAP driver registered as
 * {@code p2p.tap=test-extra}, at versions 1.0.0 and 1.1.0, and 1.2.0 that imports a package nobody
 * exports.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FeatureUpgradeIT {

    static final String EXTRA = "io.subutai.p2p.test.extra";
    static final String FEATURE = "p2p-test-extra";

    @Inject
    private BundleContext context;
    @Inject
    private FeatureService features;

    @Configuration
    public Option[] config() throws Exception {
        return P2pOptions.daemon("upgrade");
    }

    @Test
    public void anUpgradeUpdatesTheBundleInPlaceAndAFailedOneRollsBack() throws Exception {
        Path dir = Files.createTempDirectory("p2p-itest-extra");
        Path repo = dir.resolve("extra-features.xml");
        StringBuilder xml = new StringBuilder("<features name='itest-upgrade' xmlns='http://karaf.apache.org/xmlns/features/v1.6.0'>");
        for (String v : List.of("1.0.0", "1.1.0", "1.2.0")) {
            Path jar = extra(dir, v, v.equals("1.2.0") ? "does.not.exist" : null);
            xml.append("<feature name='" + FEATURE + "' version='" + v + "'><bundle>" + jar.toUri() + "</bundle></feature>");
        }
        Files.writeString(repo, xml.append("</features>").toString());
        Path state = Path.of(System.getProperty("p2p.itest.state"), "features.state");

        assertEquals("itest-upgrade", features.addRepository(repo.toUri().toString()));
        assertEquals(List.of("1.2.0", "1.1.0", "1.0.0"), feature().available());
        assertFalse(feature().installed());

        assertEquals("1.0.0", features.install(FEATURE + "/1.0.0").installedVersion());
        Bundle extra = bundle();
        assertNotNull("installed", extra);
        long id = extra.getBundleId();
        String location = extra.getLocation();
        assertRuns(extra, "1.0.0");
        ServiceReference<?> before = driver("1.0.0");
        assertTrue(Files.readString(state).contains(FEATURE + "/1.0.0"));

        FeatureInfo upgraded = features.install(FEATURE + "/1.1.0");
        assertEquals("1.1.0", upgraded.installedVersion());
        assertEquals("the same bundle, updated in place", id, bundle().getBundleId());
        assertEquals("an updated bundle keeps its location", location, bundle().getLocation());
        assertRuns(extra, "1.1.0");
        ServiceReference<?> after = driver("1.1.0");
        assertNull("the old service is gone", before.getBundle());
        assertNotEquals(before.getProperty("service.id"), after.getProperty("service.id"));
        assertEquals("the old revision is refreshed away", 1, extra.adapt(BundleRevisions.class).getRevisions().size());
        String kept = Files.readString(state);
        assertTrue(kept, kept.contains(FEATURE + "/1.1.0") && !kept.contains(FEATURE + "/1.0.0"));

        P2pException e = assertThrows(P2pException.class, () -> features.install(FEATURE)); // the newest: 1.2.0
        String m = e.getMessage();
        assertTrue(m, m.startsWith("Feature upgrade of p2p-test-extra to 1.2.0 failed: Bundle " + EXTRA + " 1.2.0 cannot be resolved: "));
        assertTrue("names what is missing: " + m, m.contains("does.not.exist"));
        assertTrue(m, m.endsWith("; rolled back to 1.1.0 (the previous version runs again)"));
        assertEquals(id, bundle().getBundleId());
        assertRuns(extra, "1.1.0");
        driver("1.1.0");
        assertEquals("the state file is untouched", kept, Files.readString(state));
        assertEquals("1.1.0", feature().installedVersion());

        assertEquals("a downgrade works the same way", "1.0.0", features.install(FEATURE + "/1.0.0").installedVersion());
        assertEquals(id, bundle().getBundleId());
        assertRuns(extra, "1.0.0");

        features.uninstall(FEATURE);
        assertNull("uninstalled though it runs another jar than its location names", bundle());
        assertFalse(Files.readString(state).contains(FEATURE));
    }

    @Test
    public void aFeatureWhoseBundleIsMissingIsListedAndInstallingItNamesTheArtifact() throws Exception {
        Path repo = Files.createTempFile("p2p-itest-missing", ".xml");
        Files.writeString(repo, "<features name='itest-missing'><feature name='itest-missing' version='1.0.0'>"
                + "<bundle>mvn:io.subutai.p2p.test/missing/1.0.0</bundle></feature></features>");
        features.addRepository(repo.toUri().toString());
        FeatureInfo f = features.features().stream().filter(x -> x.name().equals("itest-missing")).findFirst().orElseThrow();
        assertFalse(f.installed());
        int bundles = context.getBundles().length;
        P2pException e = assertThrows(P2pException.class, () -> features.install("itest-missing"));
        assertTrue(e.getMessage(), e.getMessage().startsWith(
                "Feature 'itest-missing' 1.0.0 was not installed: Cannot find mvn:io.subutai.p2p.test/missing/1.0.0; looked in "));
        assertEquals("nothing installed", bundles, context.getBundles().length);
        assertTrue("the extras repository the distribution ships is known", features.features().stream()
                .anyMatch(x -> x.name().equals("p2p-crypto-pq") && !x.installed()));
    }

    private void assertRuns(Bundle b, String version) {
        assertEquals(Bundle.ACTIVE, b.getState());
        assertEquals(Version.parseVersion(version), b.getVersion());
    }

    /** The extra bundle's TAP driver, registered by its bundle at {@code version}. */
    private ServiceReference<?> driver(String version) throws Exception {
        ServiceReference<?>[] found = new ServiceReference<?>[1];
        Await.require(() -> {
            try {
                ServiceReference<?>[] refs = context.getAllServiceReferences(TapDriver.class.getName(), "(p2p.tap=test-extra)");
                found[0] = refs == null || refs.length != 1 ? null : refs[0];
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            return found[0] != null && found[0].getBundle() != null
                    && found[0].getBundle().getVersion().equals(Version.parseVersion(version));
        }, Duration.ofSeconds(10), () -> "no TAP driver test-extra from " + EXTRA + " " + version + ": " + found[0]);
        return found[0];
    }

    private FeatureInfo feature() {
        return features.features().stream().filter(f -> f.name().equals(FEATURE)).findFirst().orElseThrow();
    }

    private Bundle bundle() {
        for (Bundle b : context.getBundles()) {
            if (EXTRA.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /**
     * A copy of the distribution's tap-memory bundle named {@value #EXTRA} at {@code version}, whose
     * TAP driver is {@code p2p.tap=test-extra}, importing {@code missingPackage} too unless null.
     */
    static Path extra(Path dir, String version, String missingPackage) throws IOException {
        java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Bundle-SymbolicName", EXTRA);
        headers.put("Bundle-Version", version);
        if (missingPackage != null) {
            headers.put("Import-Package", missingPackage);
        }
        return TestJars.copy(TestJars.distributed("tap-memory"), dir.resolve("extra-" + version + ".jar"), headers,
                component -> component.replace("value=\"memory\"", "value=\"test-extra\""));
    }
}
