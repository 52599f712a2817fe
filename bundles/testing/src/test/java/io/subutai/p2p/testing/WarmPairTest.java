package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.WarmPair;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.SocketProvider;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.spi.UdpSocket;
import io.subutai.p2p.tap.linux.internal.LinuxTapDriver;
import io.subutai.p2p.transport.udp.internal.UdpSocketProvider;

/**
 * The data path's warm-up: a loopback pair that really passes its frames, over the TAP driver's
 * own loopback pair when it has one (Linux's: no root needed, no interface), and leaves no thread
 * behind.
 */
class WarmPairTest {

    private final Suites suites = Suites.classic(new NoiseSuite(MeshSimulationTest.config()));

    @Test
    void everyRoundTripIsMadeOverLoopbackAndNoThreadOutlivesIt() {
        LoopbackOnly sockets = new LoopbackOnly(true);
        WarmPair pair = new WarmPair(suites, sockets, null, MeshLog.NONE);
        assertEquals(WarmPair.ROUND_TRIPS, pair.run());
        aRealNetworksFirstSeconds(pair.answers());
        assertEquals(3, sockets.opened.get(), "three sockets, each bound to the loopback address alone");
        noWarmThreadLeft();
    }

    @Test
    void aProviderThatBindsEveryAddressOnlyGetsNoPair() {
        WarmPair pair = new WarmPair(suites, new LoopbackOnly(false), null, MeshLog.NONE);
        assertEquals(0, pair.run(), "no socket with throwaway keys listens on every address");
        noWarmThreadLeft();
    }

    @Test
    void theLinuxDriversLoopbackPairCarriesEveryRoundTrip() {
        Counting driver = new Counting(new LinuxTapDriver(linuxConfig()), false);
        everyRoundTripOn(driver);
        assertEquals(3, driver.pairs.get(), "one pair for each mesh");
    }

    @Test
    void aDriverThatCannotMakeItsPairLeavesTheEnginesOwn() {
        everyRoundTripOn(new Counting(new LinuxTapDriver(linuxConfig()), true));
    }

    private void everyRoundTripOn(TapDriver driver) {
        WarmPair pair = new WarmPair(suites, new UdpSocketProvider(), driver, MeshLog.NONE);
        assertEquals(WarmPair.ROUND_TRIPS, pair.run());
        aRealNetworksFirstSeconds(pair.answers());
        noWarmThreadLeft();
    }

    /**
     * Not only pings between two members: a third joined while the path was compiled, and pings
     * went to it too, and ARP went through, both answered at once and replayed to a member that
     * joined after it was flooded: the branches a real network's first seconds take.
     */
    private static void aRealNetworksFirstSeconds(Map<String, Integer> answers) {
        assertTrue(answers.get("b.echo") > WarmPair.ROUND_TRIPS / 2, answers.toString());
        assertTrue(answers.get("c.echo") > WarmPair.ROUND_TRIPS / 4, answers.toString());
        assertEquals(1, answers.get("b.arp"), "A's ARP for B, answered: " + answers);
        assertEquals(1, answers.get("c.arp"), "A's ARP for C, sent before C joined, replayed to it: " + answers);
        assertEquals(1, answers.get("a.arp"), "C's ARP for A: " + answers);
    }

    @Test
    void closeEndsItEarly() throws Exception {
        WarmPair pair = new WarmPair(suites, new UdpSocketProvider(), new LinuxTapDriver(linuxConfig()), MeshLog.NONE);
        CompletableFuture<Integer> trips = CompletableFuture.supplyAsync(pair::run);
        pair.close();
        assertTrue(trips.get(5, TimeUnit.SECONDS) < WarmPair.ROUND_TRIPS);
        noWarmThreadLeft();
    }

    /** Every thread of the pair ends (Netty's event loops finish exiting just after their termination is signalled). */
    private static void noWarmThreadLeft() {
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertEquals(List.of(), warmThreads()));
    }

    private static List<String> warmThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.matches(".*warm-[abc].*") || n.contains("warm-up-host")).toList();
    }

    /** The UDP provider that binds one address only when {@code one}: a socket on every address fails the test. */
    private static final class LoopbackOnly implements SocketProvider {
        private final UdpSocketProvider real = new UdpSocketProvider();
        private final boolean one;
        final AtomicInteger opened = new AtomicInteger();

        LoopbackOnly(boolean one) {
            this.one = one;
        }

        @Override
        public UdpSocket open(String name, int minPort, int maxPort) {
            throw new AssertionError("the warm-up opened a socket on every address");
        }

        @Override
        public UdpSocket openOn(String name, InetAddress address) throws IOException {
            if (!one) {
                return SocketProvider.super.openOn(name, address);
            }
            UdpSocket s = real.openOn(name, address);
            assertTrue(s.localAddress().getAddress().isLoopbackAddress(), s.localAddress().toString());
            opened.incrementAndGet();
            return s;
        }
    }

    /** The Linux driver, counting the pairs it made, or failing to make them. */
    private static final class Counting implements TapDriver {
        private final TapDriver real;
        private final boolean fail;
        final AtomicInteger pairs = new AtomicInteger();

        Counting(TapDriver real, boolean fail) {
            this.real = real;
            this.fail = fail;
        }

        @Override
        public Availability availability() {
            return real.availability();
        }

        @Override
        public TapDevice open(TapSpec spec) throws IOException {
            throw new IOException("not here");
        }

        @Override
        public Optional<List<PollableTapDevice>> openLoopback(MacAddress first, MacAddress second, int mtu)
                throws IOException {
            if (fail) {
                throw new IOException("no pair today");
            }
            pairs.incrementAndGet();
            return real.openLoopback(first, second, mtu);
        }
    }

    static LinuxTapDriver.Config linuxConfig() {
        return new LinuxTapDriver.Config() {
            @Override
            public boolean offload() {
                return true;
            }

            @Override
            public String iptool() {
                return "";
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LinuxTapDriver.Config.class;
            }
        };
    }
}
