package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.core.internal.NetworkInstance;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;

/**
 * An address a bootstrap server hands a {@code -ip dhcp} member (the threat review's H3): it must
 * keep the rules of {@code -ip} and the subnet the network had first, whoever speaks for the server.
 */
class HandedOutAddressTest {

    @Test
    void aMemberRefusesAnAddressThatBreaksTheRulesOrLeavesItsSubnet() throws Exception {
        VirtualClock clock = new VirtualClock(1_800_000_000_000L);
        SimNetwork net = new SimNetwork(clock);
        NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
        MemoryTap tap = (MemoryTap) new MemoryTapDriver().open(new TapSpec("dhcp1", MacAddress.parse("06:00:00:00:00:01"),
                1500, null));
        List<String> log = new CopyOnWriteArrayList<>();
        List<Ipv4Cidr> assigned = new ArrayList<>();
        NetworkInstance n = new NetworkInstance(new NetworkInstance.Options("6e6574776f726b2d6964", List.of("198.51.100.1:6881"),
                null, null, true, false), tap, net.socket(1), Suites.classic(suite), suite.generateKeys(), new KeyQueue(),
                clock.loop(), Runnable::run, Logs.into(log, "m"), Timing.DEFAULT, assigned::add);
        DiscoveryListener[] server = new DiscoveryListener[1];
        try {
            n.join((ref, listener) -> {
                server[0] = listener;
                return Optional.of(new Membership() {
                    @Override
                    public void updateEndpoints(List<InetSocketAddress> endpoints) {
                    }

                    @Override
                    public void close() {
                    }
                });
            });
            for (String bad : List.of("127.0.0.5/8", "224.1.2.3/24", "10.9.0.0/24", "10.9.0.255/24", "10.9.0.7/31",
                    "10.9.0.7/4")) {
                server[0].addressAssigned(Ipv4Cidr.parse(bad));
            }
            assertEquals(List.of(), assigned, "none of them: " + log);
            assertEquals(6, log.stream().filter(l -> l.contains("refused the address")).count(), log.toString());

            server[0].addressAssigned(Ipv4Cidr.parse("10.9.0.7/24"));
            assertEquals(List.of(Ipv4Cidr.parse("10.9.0.7/24")), assigned, "a good one is taken");
            assertEquals(Ipv4Cidr.parse("10.9.0.7/24"), tap.address());
            server[0].addressAssigned(Ipv4Cidr.parse("192.168.66.7/24")); // someone moves the network elsewhere
            server[0].addressAssigned(Ipv4Cidr.parse("10.9.0.7/16"));
            assertEquals(1, assigned.size(), "nor another subnet, nor another prefix: " + log);
            assertTrue(log.stream().anyMatch(l -> l.contains("refused the address 192.168.66.7/24 a bootstrap server handed out:"
                    + " it is outside the network's subnet 10.9.0.0/24")), log.toString());
            server[0].addressAssigned(Ipv4Cidr.parse("10.9.0.8/24"));
            assertEquals(Ipv4Cidr.parse("10.9.0.8/24"), tap.address(), "another address in its subnet is taken");
        } finally {
            n.close();
            net.close();
        }
    }
}
