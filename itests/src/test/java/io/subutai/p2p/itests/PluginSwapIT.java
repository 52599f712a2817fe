package io.subutai.p2p.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

import io.subutai.p2p.api.NetworkService;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.api.PluginInfo;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.api.StopRequest;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * Plugins that come, go and fail under running networks, in a real Felix with the default
 * features and the real engine: services registered and unregistered as bundles would, the
 * networks observed through the {@link NetworkService} only.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginSwapIT {

    @Inject
    private BundleContext context;
    @Inject
    private NetworkService network;

    @Configuration
    public Option[] config() throws Exception {
        return P2pOptions.daemon("swaps");
    }

    /** A discovery provider that records whom it serves; {@code failFirst} joins throw. */
    static final class RecordingDiscovery implements DiscoveryProvider {
        final Set<String> joined = ConcurrentHashMap.newKeySet();
        final Set<String> left = ConcurrentHashMap.newKeySet();
        final AtomicInteger failFirst;

        RecordingDiscovery(int failFirst) {
            this.failFirst = new AtomicInteger(failFirst);
        }

        @Override
        public Membership join(NetworkRef ref, DiscoveryListener listener) {
            if (failFirst.getAndDecrement() > 0) {
                throw new IllegalStateException("broken on purpose for " + ref.networkId());
            }
            joined.add(ref.networkId());
            return new Membership() {
                @Override
                public void updateEndpoints(List<InetSocketAddress> endpoints) {
                }

                @Override
                public List<String> describe() {
                    return List.of("itest discovery: member as " + ref.networkId());
                }

                @Override
                public void close() {
                    left.add(ref.networkId());
                }
            };
        }
    }

    private void start(String hash, String ip) {
        assertEquals(0, network.start(StartRequest.of(hash, ip)).code());
        await(() -> snapshot(hash) != null && snapshot(hash).peerId() != null, hash + " joined to its peers");
    }

    private NetworkSnapshot snapshot(String hash) {
        return network.snapshot().networks().stream().filter(n -> n.hash().equals(hash)).findFirst().orElse(null);
    }

    private static void await(java.util.function.BooleanSupplier c, String what) {
        Await.require(c, Duration.ofSeconds(10), () -> "not so: " + what);
    }

    private static Hashtable<String, Object> props(String key, String name, int ranking) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(key, name);
        p.put(Constants.SERVICE_RANKING, ranking);
        return p;
    }

    @Test
    public void aDiscoveryProviderThatArrivesIsJoinedByEveryRunningNetworkAndLeftWhenItGoes() throws Exception {
        start("swap-it-a", "10.56.0.1/16");
        start("swap-it-b", "10.57.0.1/16");
        RecordingDiscovery d = new RecordingDiscovery(0);
        ServiceRegistration<DiscoveryProvider> reg = context.registerService(DiscoveryProvider.class, d,
                props(DiscoveryProvider.PROPERTY, "itest", 0));
        await(() -> d.joined.size() == 2, "both networks joined the provider that came");
        await(() -> snapshot("swap-it-a").discovery().stream().anyMatch(l -> l.startsWith("itest discovery: member as "))
                && snapshot("swap-it-b").discovery().stream().anyMatch(l -> l.startsWith("itest discovery: member as ")),
                "debug shows the membership");
        assertTrue(network.debug(false).out().contains("itest discovery: member as "));
        reg.unregister();
        await(() -> d.left.equals(d.joined), "both left it when it went");
        assertFalse(snapshot("swap-it-a").discovery().stream().anyMatch(l -> l.startsWith("itest discovery")));
        network.stop(new StopRequest("swap-it-a", ""));
        network.stop(new StopRequest("swap-it-b", ""));
    }

    @Test
    public void aPluginThatThrowsDuringASwapLeavesTheOtherNetworksWorking() throws Exception {
        start("swap-it-c", "10.58.0.1/16");
        start("swap-it-d", "10.59.0.1/16");
        RecordingDiscovery flaky = new RecordingDiscovery(1); // the first network's join throws
        ServiceRegistration<DiscoveryProvider> reg = context.registerService(DiscoveryProvider.class, flaky,
                props(DiscoveryProvider.PROPERTY, "itest-flaky", 0));
        await(() -> flaky.joined.size() == 1, "the other network joined it");
        PluginInfo p = network.plugins().stream().filter(x -> x.name().equals("itest-flaky")).findFirst().orElseThrow();
        assertTrue("its failure is counted", p.failures() >= 1);
        for (String hash : List.of("swap-it-c", "swap-it-d")) {
            assertTrue(hash + " runs on, joined", snapshot(hash).peerId() != null && snapshot(hash).waiting().isEmpty());
        }
        reg.unregister();

        // a TAP driver that takes precedence and cannot take the interfaces over: the networks wait, visibly,
        // and the driver that works takes them back when it goes
        ServiceRegistration<TapDriver> broken = context.registerService(TapDriver.class, new TapDriver() {
            @Override
            public Availability availability() {
                return Availability.yes();
            }

            @Override
            public TapDevice open(TapSpec spec) {
                throw new IllegalStateException("broken on purpose: cannot open " + spec.name());
            }
        }, props(TapDriver.PROPERTY, "memory", 100));
        await(() -> snapshot("swap-it-c").waiting().stream().anyMatch(w -> w.contains("broken on purpose")),
                "the network says what it waits for: " + snapshot("swap-it-c"));
        assertTrue(network.status("", false).out().contains("Waiting: "));
        assertEquals("still running, still joined", 2, network.networks().stream()
                .filter(n -> n.hash().startsWith("swap-it-")).count());
        broken.unregister();
        await(() -> snapshot("swap-it-c").waiting().isEmpty() && snapshot("swap-it-d").waiting().isEmpty(),
                "taken back by the driver that works");
        String debug = network.debug(false).out();
        assertTrue(debug, debug.contains("tap 'memory'") && debug.contains("interfaces taken over: 2"));
        assertEquals(0, network.stop(new StopRequest("swap-it-c", "")).code());
        assertEquals(0, network.stop(new StopRequest("swap-it-d", "")).code());
    }
}
