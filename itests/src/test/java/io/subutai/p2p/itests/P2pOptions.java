package io.subutai.p2p.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;

import io.subutai.p2p.provision.internal.ArtifactResolver;
import io.subutai.p2p.provision.internal.Catalog;
import io.subutai.p2p.provision.internal.Feature;
import io.subutai.p2p.provision.internal.ProvisionException;

/**
 * Pax Exam options that provision a container the way {@code p2p daemon} does: the bundles of the
 * default feature, read from the built distribution's feature repository, each installed at the
 * location the repository names ({@code mvn:...}) from the distribution's {@code system/} folder.
 */
public final class P2pOptions {

    public static final String BOOT_FEATURE = "p2p-daemon";

    private P2pOptions() {
    }

    public static Path dist() {
        String d = System.getProperty("p2p.dist");
        if (d == null) {
            throw new IllegalStateException("system property p2p.dist is not set: run through Maven");
        }
        return Path.of(d);
    }

    public static String repositoryUri() {
        return dist().resolve("features/p2p-features.xml").toUri().toString();
    }

    /** The extras repository, which the distribution's configuration names after the main one. */
    public static String extrasUri() {
        return dist().resolve("features/p2p-extras.xml").toUri().toString();
    }

    /** The locations of the boot feature's bundles, in install order. */
    public static List<String> bootBundles() throws ProvisionException {
        Catalog c = Catalog.empty(new ArtifactResolver(List.of(dist().resolve("system")))).with(repositoryUri());
        List<String> out = new ArrayList<>();
        for (Feature.BundleRef b : c.bundles(List.of(BOOT_FEATURE))) {
            out.add(b.location());
        }
        return out;
    }

    public static Option[] daemon(String name) throws Exception {
        Path state = Files.createTempDirectory("p2p-itest-" + name);
        List<Option> options = new ArrayList<>();
        ArtifactResolver system = new ArtifactResolver(List.of(dist().resolve("system")));
        for (String location : bootBundles()) {
            boolean fragment;
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(system.resolve(location).toFile())) {
                fragment = jar.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
            }
            options.add(fragment ? bundle(location).noStart() : bundle(location));
        }
        options.add(junitBundles());
        options.add(cleanCaches());
        options.add(workingDirectory("target/paxexam/" + name));
        String localRepo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        String[][] props = {
            {"p2p.home", dist().toString()},
            {"p2p.state.dir", state.toString()},
            {"p2p.rpc.port", Integer.toString(freePort())},
            {"p2p.version", "itest"},
            {"p2p.tap", "memory"},
            {"p2p.discovery.lan", "off"}, // this container runs in the host's namespace: no multicast
            {"p2p.save", state.resolve("p2p.save").toString()},
            {"p2p.features.repositories", repositoryUri() + "," + extrasUri()},
            {"p2p.features.boot", BOOT_FEATURE},
            {"p2p.features.maven", localRepo},
            {"gosh.args", "--nointeractive --noshutdown"},
            {"ds.loglevel", "warn"},
        };
        for (String[] p : props) {
            options.add(frameworkProperty(p[0]).value(p[1]));
        }
        options.add(systemProperty("p2p.itest.state").value(state.toString()));
        // pax-logging-api, which Pax Exam brings, prints DEBUG lines to the console without this
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        return options.toArray(new Option[0]);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
