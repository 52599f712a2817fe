package io.subutai.p2p.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

import io.subutai.p2p.api.NetworkService;

/** Stopping the p2p bundles leaves none of their threads behind. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ThreadsIT {

    @Inject
    private BundleContext context;
    @Inject
    private NetworkService network;

    @Configuration
    public Option[] config() throws Exception {
        return P2pOptions.daemon("threads");
    }

    @Test
    public void stoppingTheP2pBundlesLeavesNoP2pThread() throws Exception {
        // Use the control API so that its threads exist: the test must be able to fail.
        Path socket = Path.of(context.getProperty("p2p.state.dir"), "control", "rpc-" + context.getProperty("p2p.rpc.port") + ".sock");
        Await.require(() -> Files.exists(socket), Duration.ofSeconds(10), () -> "no control socket at " + socket);
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            c.connect(java.net.UnixDomainSocketAddress.of(socket));
            c.write(java.nio.ByteBuffer.wrap("P2PCTL/1 version 0\n".getBytes(StandardCharsets.US_ASCII)));
            try (InputStream in = java.nio.channels.Channels.newInputStream(c)) {
                String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(reply, reply.startsWith("P2PCTL/1 200 ") && reply.contains("itest"));
            }
        }
        // A configured bootstrap server too: its feature is installed on demand, its thread must go as well.
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        org.osgi.service.cm.Configuration server = context.getService(context.getServiceReference(
                org.osgi.service.cm.ConfigurationAdmin.class)).getConfiguration("io.subutai.p2p.dht.server", "?");
        server.update(new java.util.Hashtable<>(java.util.Map.of("listen", "127.0.0.1:" + port)));
        Await.require(() -> p2pThreads().contains("p2p-dht-server"), Duration.ofSeconds(10),
                () -> "the configured bootstrap server did not start: " + p2pThreads());
        assertTrue("the provisioning thread runs before the stop: " + p2pThreads(), p2pThreads().contains("p2p-provision-1"));

        List<Bundle> p2p = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().startsWith("io.subutai.p2p.")) {
                p2p.add(0, b);
            }
        }
        assertEquals("the default features' 14 and the servers", 15, p2p.size());
        for (Bundle b : p2p) {
            b.stop();
            assertEquals(b.getSymbolicName(), Bundle.RESOLVED, b.getState());
        }
        Await.require(() -> p2pThreads().isEmpty(), Duration.ofSeconds(5),
                () -> "threads left after stopping the p2p bundles: " + p2pThreads());
        assertFalse("the control socket is removed", Files.exists(socket));
    }

    /** Threads our bundles own: named p2p-* (and the JDK HTTP server's dispatcher, which none should start). */
    private static List<String> p2pThreads() {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && (t.getName().startsWith("p2p-") || t.getName().equals("HTTP-Dispatcher"))) {
                out.add(t.getName());
            }
        }
        return out;
    }
}
