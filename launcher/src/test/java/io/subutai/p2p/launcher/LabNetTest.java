package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** What {@code p2p lab} makes, read from its plan: all of it in p2plab- namespaces, with names the kernel takes. */
class LabNetTest {

    @Test
    void everyCommandActsInsideALabNamespaceSoTheHostGainsNothing() {
        for (LabNet.Plan plan : List.of(LabNet.plan(2, false), LabNet.plan(16, false), LabNet.plan(3, true),
                LabNet.plan(16, true))) {
            for (List<String> c : plan.commands()) {
                String where = c.get(1).equals("-n") ? c.get(2) : c.get(1).equals("netns") ? c.get(3) : null;
                assertEquals("ip", c.get(0), c.toString());
                assertTrue(where != null && where.startsWith("p2plab-") && plan.namespaces().contains(where),
                        "not inside a lab namespace: " + c);
                assertTrue(c.get(1).equals("-n") || List.of("add", "exec").contains(c.get(2)), c.toString());
                int peer = c.indexOf("netns");
                if (c.get(1).equals("-n") && peer > 0) {
                    assertTrue(plan.namespaces().contains(c.get(peer + 1)), "a veth's peer goes to a lab namespace: " + c);
                }
                if (c.contains("default")) {
                    assertTrue(plan.nat() && c.contains("via") && c.get(c.indexOf("via") + 1).matches("10\\.77\\.[12]\\.1"),
                            "the only default route is a member's, to its home router: " + c);
                }
            }
            assertTrue(plan.namespaces().stream().allMatch(n -> n.startsWith("p2plab-")), plan.namespaces().toString());
        }
    }

    @Test
    void interfaceNamesFitTheKernelsFifteenCharacters() {
        for (LabNet.Plan plan : List.of(LabNet.plan(16, false), LabNet.plan(16, true))) {
            for (List<String> c : plan.commands()) {
                int add = c.indexOf("add");
                if (c.contains("link") && add > 0 && add + 1 < c.size()) {
                    assertTrue(c.get(add + 1).length() <= 15, c.toString());
                }
                int name = c.indexOf("name");
                if (name > 0) {
                    assertTrue(c.get(name + 1).length() <= 15, c.toString());
                }
            }
        }
    }

    @Test
    void oneLanHoldsEveryMemberAndNatSplitsThemBetweenTwoRouters() {
        LabNet.Plan lan = LabNet.plan(3, false);
        assertEquals(List.of("p2plab-lan", "p2plab-m1", "p2plab-m2", "p2plab-m3"), lan.namespaces());
        assertEquals(List.of("10.77.0.11", "10.77.0.12", "10.77.0.13"), lan.members().stream().map(LabNet.Member::address).toList());
        assertTrue(lan.members().stream().allMatch(m -> m.router() == null));

        LabNet.Plan nat = LabNet.plan(5, true);
        assertEquals(List.of("p2plab-r1", "p2plab-r1", "p2plab-r1", "p2plab-r2", "p2plab-r2"),
                nat.members().stream().map(LabNet.Member::router).toList());
        assertEquals("10.77.2.15", nat.members().get(4).address());
        assertTrue(nat.commands().contains(List.of("ip", "netns", "exec", "p2plab-r2", "nft", LabNet.homeRouterRules())));
        assertTrue(nat.commands().contains(List.of("ip", "-n", "p2plab-inet", "addr", "add", "100.64.0.1/24", "dev", "br0")),
                "the servers' address on the internet");
        Set<String> overlay = new HashSet<>();
        nat.members().forEach(m -> overlay.add(m.overlay()));
        assertEquals(5, overlay.size());
        assertFalse(overlay.stream().anyMatch(ip -> ip.startsWith("10.77.") || ip.startsWith("100.64.")),
                "the overlay is apart from the underlay");
    }
}
