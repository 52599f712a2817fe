package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.WarmPair;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.transport.udp.internal.UdpSocketProvider;

/** The data path's warm-up: a loopback pair that really passes its frames, and leaves no thread behind. */
class WarmPairTest {

    private final Suites suites = Suites.classic(new NoiseSuite(MeshSimulationTest.config()));

    @Test
    void everyRoundTripIsMadeOverLoopbackAndNoThreadOutlivesIt() {
        WarmPair pair = new WarmPair(suites, new UdpSocketProvider(), MeshLog.NONE);
        assertEquals(WarmPair.ROUND_TRIPS, pair.run());
        assertEquals(List.of(), warmThreads());
    }

    @Test
    void closeEndsItEarly() throws Exception {
        WarmPair pair = new WarmPair(suites, new UdpSocketProvider(), MeshLog.NONE);
        CompletableFuture<Integer> trips = CompletableFuture.supplyAsync(pair::run);
        pair.close();
        assertTrue(trips.get(5, TimeUnit.SECONDS) < WarmPair.ROUND_TRIPS);
        assertEquals(List.of(), warmThreads());
    }

    private static List<String> warmThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.contains("warm-a") || n.contains("warm-b")).toList();
    }
}
