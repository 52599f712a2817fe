package io.subutai.p2p.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

import io.subutai.p2p.api.FeatureInfo;
import io.subutai.p2p.api.FeatureService;
import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/** The default features in a real Felix: what `p2p daemon` runs, as bundles and services. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeIT {

    static final String SERVERS = "io.subutai.p2p.servers";
    static final List<String> COMMANDS = List.of("version", "show", "plugins", "start", "stop", "status", "debug", "repo-add", "repo-list",
            "feature-list", "feature-install", "feature-uninstall");

    @Inject
    private BundleContext context;
    @Inject
    private NetworkService network;
    @Inject
    private FeatureService features;
    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        return P2pOptions.daemon("runtime");
    }

    @Test
    public void defaultFeaturesResolveAndEveryBundleIsActive() {
        Set<String> p2p = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
            assertEquals(b.getSymbolicName() + " state", fragment ? Bundle.RESOLVED : Bundle.ACTIVE, b.getState());
            if (b.getSymbolicName().startsWith("io.subutai.p2p.")) {
                p2p.add(b.getSymbolicName());
            }
        }
        assertEquals(Set.of("io.subutai.p2p.api", "io.subutai.p2p.wire", "io.subutai.p2p.control", "io.subutai.p2p.core",
                "io.subutai.p2p.provision", "io.subutai.p2p.shell", "io.subutai.p2p.tap.linux",
                "io.subutai.p2p.tap.memory", "io.subutai.p2p.crypto", "io.subutai.p2p.transport.udp",
                "io.subutai.p2p.discovery.lan", "io.subutai.p2p.discovery.dht",
                "io.subutai.p2p.transport.holepunch", "io.subutai.p2p.transport.proxy"), p2p);
        FeatureInfo daemon = feature(P2pOptions.BOOT_FEATURE);
        assertTrue("the boot feature counts as installed", daemon.installed());
        assertTrue("its dependencies too", feature("p2p-core").installed());
        assertEquals("itest", network.version());
        assertEquals(1500, network.mtu());
    }

    @Test
    public void everyP2pCommandIsRegisteredAndAnswers() throws Exception {
        Set<String> functions = new TreeSet<>();
        for (ServiceReference<?> ref : context.getAllServiceReferences(null, "(osgi.command.scope=p2p)")) {
            Object f = ref.getProperty("osgi.command.function");
            if (f instanceof String[] names) {
                functions.addAll(List.of(names));
            } else if (f != null) {
                functions.add(f.toString());
            }
        }
        assertTrue("registered: " + functions, functions.containsAll(COMMANDS));
        assertEquals("itest", run("p2p:version"));
        assertEquals("1500\n", run("p2p:show -mtu"));
        assertEquals("", run("p2p:show"));
        assertTrue(run("p2p:debug").startsWith("Version: itest\nUptime: "));
        assertEquals(P2pOptions.repositoryUri() + "\n" + P2pOptions.extrasUri() + "\n", run("p2p:repo-list"));
        String list = run("p2p:feature-list");
        String version = feature(P2pOptions.BOOT_FEATURE).version();
        assertTrue(list, list.contains("[installed " + version + "]  p2p-daemon  (available: " + version + ")\t"));
        assertTrue("the extras are known, not installed: " + list, list.contains("[available]  p2p-crypto-pq  (available: "));
        assertEquals("Specified environment was not found", failure("p2p:show -hash nothing"));
        assertEquals("Usage: p2p:feature-install NAME[/VERSION]", failure("p2p:feature-install"));
    }

    @Test
    public void networksStartAndStopThroughTheCommands() throws Exception {
        Await.require(() -> plugin("linux") != null && plugin("memory") != null, Duration.ofSeconds(10),
                () -> "TAP drivers missing: " + network.plugins());
        String plugins = run("p2p:plugins");
        assertTrue(plugins, plugins.contains("tap\tlinux") && plugins.contains("tap\tmemory"));
        assertTrue(plugins, plugins.contains("transport\tholepunch") && plugins.contains("transport\tproxy"));
        assertEquals("Running new P2P instance for itest-net\nLookup finished\nInstance created: itest-net\n\n",
                run("p2p:start -ip 10.55.0.1/16 -hash itest-net -mac 06:00:00:00:55:01"));
        assertEquals("06:00:00:00:55:01\t10.55.0.1\titest-net\n", run("p2p:show"));
        assertEquals("itest-net|vptp1\n", run("p2p:show -interfaces -bind"));
        String json = run("p2p:show -json");
        assertTrue(json, json.startsWith("[\n  {\n    \"hash\": \"itest-net\",\n    \"mac\": \"06:00:00:00:55:01\",\n"
                + "    \"ip\": \"10.55.0.1\",\n    \"prefix\": 16,\n"));
        json = run("p2p:status -hash itest-net -json");
        assertTrue(json, json.startsWith("[\n  {\n    \"hash\": \"itest-net\",\n") && json.contains("\"peers\": []"));
        json = run("p2p:debug -json");
        assertTrue(json, json.startsWith("{\n  \"version\": \"itest\",\n") && json.contains("\"interfaceName\": \"vptp1\""));
        assertEquals("Running new P2P instance for itest-net\nHash already in use", failure("p2p:start -ip 10.55.0.2 -hash itest-net"));
        Path save = Path.of(context.getProperty("p2p.state.dir"), "p2p.save");
        assertTrue("saved", Files.readString(save).contains("itest-net"));
        assertEquals("Shutting down itest-net\n", run("p2p:stop -hash itest-net"));
        assertEquals("", run("p2p:show"));
        assertTrue(run("p2p:debug").startsWith("Version: itest\nUptime: "));
        assertFalse(Files.readString(save).contains("itest-net"));
        assertEquals("Instance with hash itest-net was not found", failure("p2p:stop -hash itest-net"));
    }

    @Test
    public void featureFromARepositoryAddedAtRuntimeInstallsAndUninstalls() throws Exception {
        String location = "mvn:org.apache.felix/org.apache.felix.eventadmin/1.6.4";
        Path repo = Files.createTempFile("itest-features", ".xml");
        Files.writeString(repo, "<features name='itest-extra' xmlns='http://karaf.apache.org/xmlns/features/v1.6.0'>"
                + "<feature name='itest-events' version='1.0' description='Event Admin for the itest'>"
                + "<bundle>" + location + "</bundle></feature></features>");
        assertNull(context.getBundle(location));

        assertEquals("Added feature repository itest-extra\n", run("p2p:repo-add " + repo.toUri()));
        assertTrue(run("p2p:repo-list").contains(repo.toUri().toString()));
        assertTrue(run("p2p:feature-list").contains("[available]  itest-events"));
        assertEquals("Installed feature itest-events 1.0\n", run("p2p:feature-install itest-events"));
        Bundle installed = bundle("org.apache.felix.eventadmin");
        assertNotNull("installed", installed);
        assertTrue("by reference to the file the repository names: " + installed.getLocation(),
                installed.getLocation().startsWith("reference:file:") && installed.getLocation().endsWith("org.apache.felix.eventadmin-1.6.4.jar"));
        assertEquals(Bundle.ACTIVE, installed.getState());
        // getAllServiceReferences: unlike getServiceReference it does not wire the probe to the package
        assertNotNull(context.getAllServiceReferences("org.osgi.service.event.EventAdmin", null));
        assertTrue(run("p2p:feature-list").contains("[installed 1.0]  itest-events  (available: 1.0)"));
        Path state = Path.of(System.getProperty("p2p.itest.state"), "features.state");
        assertTrue("kept for the next start", Files.readString(state).contains("itest-events"));

        assertEquals("Uninstalled feature itest-events 1.0\n", run("p2p:feature-uninstall itest-events"));
        assertNull(bundle("org.apache.felix.eventadmin"));
        assertFalse(Files.readString(state).contains("itest-events"));
        assertTrue(failure("p2p:feature-install nothing-like-it").startsWith("No feature named 'nothing-like-it'"));
        assertTrue(failure("p2p:feature-uninstall p2p-core").contains("cannot be uninstalled from a running daemon"));
        assertNotNull("the engine is untouched", context.getServiceReference(NetworkService.class));
        assertTrue(failure("p2p:repo-add file:/nonexistent/repo.xml").contains("/nonexistent/repo.xml"));
    }

    @Test
    public void aMemberDaemonsDefaultFeaturesInstallNoServer() throws Exception {
        assertNull("no server is configured here", serverConfigurations());
        assertNull("no server bundle is installed", bundle(SERVERS));
        for (FeatureInfo f : features.features()) {
            if (f.installed()) { // the default features and those they need
                assertFalse(f.name() + " names a server bundle: " + f.bundles(), f.bundles().stream().anyMatch(
                        location -> location.contains("/servers/")));
            }
        }
        assertFalse(feature("p2p-servers").installed());
    }

    @Test
    public void aBootstrapServerRunsInTheDaemonWhileItsConfigurationExists() throws Exception {
        byte[] key = new byte[32];
        key[0] = 42; // a static key
        io.subutai.p2p.wire.dht.DhtRecord record = new io.subutai.p2p.wire.dht.DhtRecord(key, 1, false, 0, 0, java.util.List.of());
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(1500);
        io.subutai.p2p.wire.dht.DhtMessage.encode(new io.subutai.p2p.wire.dht.DhtMessage.Register(new byte[16], new byte[16],
                io.subutai.p2p.wire.dht.DhtMessage.Signed.of(record, r -> new byte[16])), out, null); // no cookie yet
        byte[] register = java.util.Arrays.copyOf(out.array(), out.position());
        aServerRunsWhileItsConfigurationExists("io.subutai.p2p.dht.server", Map.of(), register, 9); // COOKIE
    }

    @Test
    public void aRelayServerRunsInTheDaemonWhileItsConfigurationExists() throws Exception {
        byte[] allocate = new byte[4 + 1 + 16 + 32 + 16]; // without a cookie yet
        allocate[0] = (byte) io.subutai.p2p.wire.Header.VERSION;
        allocate[1] = 8; // RELAY
        allocate[4] = 1; // ALLOCATE
        allocate[5 + 16] = 42; // a static key
        int tcp;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tcp = probe.getLocalPort(); // a free port, given back
        }
        aServerRunsWhileItsConfigurationExists("io.subutai.p2p.proxy.server", Map.of("rate", "10", "tcp", "127.0.0.1:" + tcp),
                allocate, 5); // COOKIE
    }

    /** The stream port at {@code tcp} speaks TLS (its self-signed certificate) and HTTP: a 404 for a path not its own. */
    private static void aStreamPortAnswers(String tcp) throws Exception {
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        } }, null);
        int port = Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1));
        try (java.net.Socket s = tls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: relay\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue("a 404 over TLS: " + answer, answer.startsWith("HTTP/1.1 404"));
        }
    }

    /**
     * Creating the configuration {@code pid} (with {@code listen} on a free loopback port and
     * {@code settings}) installs feature p2p-servers, for this run only, and the server answers
     * {@code request} with a message of the same type and operation {@code answerOp}; deleting it
     * stops the server, which frees the port. The feature is uninstalled again at the end.
     */
    private void aServerRunsWhileItsConfigurationExists(String pid, Map<String, String> settings, byte[] request,
            int answerOp) throws Exception {
        assertNull("no server bundle before: " + bundle(SERVERS), bundle(SERVERS));
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // a free port, given back
        }
        org.osgi.service.cm.Configuration c = configurationAdmin().getConfiguration(pid, "?");
        Hashtable<String, Object> props = new Hashtable<>(settings);
        props.put("listen", "127.0.0.1:" + port);
        try {
            c.update(props);
            Await.require(() -> bundle(SERVERS) != null && bundle(SERVERS).getState() == Bundle.ACTIVE, Duration.ofSeconds(10),
                    () -> "the configuration " + pid + " did not install feature p2p-servers: " + bundle(SERVERS));
            assertTrue(feature("p2p-servers").installed());
            Path state = Path.of(System.getProperty("p2p.itest.state"), "features.state");
            assertFalse("installed for this run only", Files.exists(state) && Files.readString(state).contains("p2p-servers"));
            try (DatagramSocket member = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                member.setSoTimeout(200); // the polling interval: resent until the component is up
                DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
                boolean answered = false;
                for (int i = 0; i < 50 && !answered; i++) {
                    member.send(new DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(), port));
                    try {
                        member.receive(answer);
                        answered = answer.getData()[1] == request[1] && answer.getData()[4] == answerOp;
                    } catch (SocketTimeoutException e) {
                        // not listening yet
                    }
                }
                assertTrue("the server configured by " + pid + " answers", answered);
            }
            if (settings.containsKey("tcp")) {
                aStreamPortAnswers(settings.get("tcp"));
            }
        } finally {
            c.delete();
        }
        // its configuration gone, the server stops and frees the port
        Await.require(() -> {
            try (DatagramSocket again = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return true;
            } catch (SocketException e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> "the server of " + pid + " still holds its port");
        features.uninstall("p2p-servers"); // as a member that never ran a server, for the other tests
        assertNull(bundle(SERVERS));
    }

    private org.osgi.service.cm.ConfigurationAdmin configurationAdmin() {
        return context.getService(context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class));
    }

    private org.osgi.service.cm.Configuration[] serverConfigurations() throws Exception {
        return configurationAdmin().listConfigurations(
                "(|(service.pid=io.subutai.p2p.dht.server)(service.pid=io.subutai.p2p.proxy.server))");
    }

    @Test
    public void pluginServicesComeAndGoAtRuntimeAndABrokenOneIsIsolated() throws Exception {
        ServiceRegistration<TapDriver> good = context.registerService(TapDriver.class, new FakeTap(false),
                props("itest-good"));
        Await.require(() -> plugin("itest-good") != null, Duration.ofSeconds(5), () -> "plugin not seen: " + network.plugins());
        assertTrue(plugin("itest-good").available());

        ServiceRegistration<TapDriver> broken = context.registerService(TapDriver.class, new FakeTap(true),
                props("itest-broken"));
        Await.require(() -> plugin("itest-broken") != null, Duration.ofSeconds(5), () -> "plugin not seen");
        PluginInfo b = plugin("itest-broken");
        assertFalse(b.available());
        assertTrue("its failures are counted", b.failures() >= 1);
        assertTrue("the good one still answers", plugin("itest-good").available());
        assertTrue(run("p2p:plugins").contains("itest-good"));
        assertTrue("the plugin's bundle is named: " + plugin("memory"),
                plugin("memory").origin().startsWith("io.subutai.p2p.tap.memory "));

        good.unregister();
        broken.unregister();
        Await.require(() -> plugin("itest-good") == null && plugin("itest-broken") == null, Duration.ofSeconds(5),
                () -> "plugins not forgotten: " + network.plugins());
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private static Hashtable<String, Object> props(String name) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(TapDriver.PROPERTY, name);
        return p;
    }

    private PluginInfo plugin(String name) {
        for (PluginInfo p : network.plugins()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    private FeatureInfo feature(String name) {
        List<String> names = new ArrayList<>();
        for (FeatureInfo f : features.features()) {
            if (f.name().equals(name)) {
                return f;
            }
            names.add(f.name());
        }
        throw new AssertionError("no feature " + name + " in " + names);
    }

    /** Runs a command line as `p2p shell` would and returns what it printed and returned. */
    private String run(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandSession s = processor.createSession(new java.io.ByteArrayInputStream(new byte[0]), ps, ps);
        try {
            Object result = s.execute(line);
            if (result != null) {
                ps.print(s.format(result, org.apache.felix.service.command.Converter.INSPECT));
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            s.close();
        }
    }

    private String failure(String line) {
        try {
            String out = run(line);
            fail(line + " should fail but printed: " + out);
            return out;
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    /** A TAP driver that opens nothing; a broken one throws from every call. */
    static final class FakeTap implements TapDriver {
        private final boolean broken;

        FakeTap(boolean broken) {
            this.broken = broken;
        }

        @Override
        public Availability availability() {
            if (broken) {
                throw new IllegalStateException("broken on purpose");
            }
            return Availability.yes();
        }

        @Override
        public TapDevice open(TapSpec spec) {
            throw new IllegalStateException("not used");
        }
    }
}
