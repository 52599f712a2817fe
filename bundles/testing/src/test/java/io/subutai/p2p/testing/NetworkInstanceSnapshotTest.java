package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.core.internal.NetworkInstance;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.core.internal.render.Renderer;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;

/** What a running network reports of itself for {@code debug}, from its own wiring to the text. */
class NetworkInstanceSnapshotTest {

    @Test
    void debugOfANetworkWithoutPeersNamesItsPortModeDiscoveryAndTransports() throws Exception {
        VirtualClock clock = new VirtualClock(1_800_000_000_000L);
        SimNetwork net = new SimNetwork(clock);
        NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
        MemoryTapDriver taps = new MemoryTapDriver();
        NetworkInstance beta = new NetworkInstance(new NetworkInstance.Options("beta", List.of(),
                Ipv4Cidr.parse("10.20.0.1/16"), null, false, true), taps.open(new TapSpec("beta",
                MacAddress.parse("06:00:00:00:00:01"), 1500, Ipv4Cidr.parse("10.20.0.1/16")), false), net.socket(2), Suites.classic(suite),
                suite.generateKeys(), new KeyQueue(), clock.loop(), Runnable::run, MeshLog.NONE, Timing.DEFAULT, a -> { });
        try {
            beta.join((ref, listener) -> Optional.of(new Membership() {
                @Override
                public void updateEndpoints(List<InetSocketAddress> endpoints) {
                }

                @Override
                public List<String> describe() {
                    return List.of("Bootstrap server 198.51.100.1:6881: answered 2 s ago, sees this node at 203.0.113.2:7002",
                            "NAT mapping: endpoint-independent (one public port for every destination)");
                }

                @Override
                public void close() {
                }
            }));
            List<String> lines = Renderer.network(beta.snapshot(new NetworkInfo("beta", "06:00:00:00:00:01", "10.20.0.1",
                    16, "vptp2")));
            assertEquals("ID: " + beta.mesh().selfId().value() + "\n"
                    + "UDP Port: 7002\n"
                    + "Relay only (-fwd): yes\n"
                    + "Bootstrap server 198.51.100.1:6881: answered 2 s ago, sees this node at 203.0.113.2:7002\n"
                    + "NAT mapping: endpoint-independent (one public port for every destination)\n"
                    + "Transports: none (direct paths only)\n"
                    + "Proxies: No proxies in use\n"
                    + "Peers:\n", String.join("\n", lines) + "\n");
        } finally {
            beta.close();
            net.close();
        }
    }
}
