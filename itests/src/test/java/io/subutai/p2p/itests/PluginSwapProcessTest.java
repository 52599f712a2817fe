package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plugins updated in a running daemon while traffic flows, end to end: two members on a LAN, the
 * first pinging the second every 10 ms over the overlay, and a bundle of the first updated from
 * its shell ({@code update ID}, as an operator does after replacing a jar). Each swap must keep
 * the traffic gap within its bound, and say what it did in {@code debug}.
 */
class PluginSwapProcessTest {

    private static final String HASH = "swaps";

    @RegisterExtension
    final Lab lab = new Lab();

    private List<Netns> lan;
    private TestDaemon a;
    private TestDaemon b;

    @BeforeAll
    static void needs() {
        Lab.needs("PluginSwapProcessTest", "ping");
    }

    /** Two members of one network on a LAN, connected. */
    private void twoMembers() throws Exception {
        lan = lab.lan(2);
        a = lab.daemon(lan.get(0), 1);
        b = lab.daemon(lan.get(1), 2);
        member(a, 1);
        member(b, 2);
        Await.require(() -> Lab.pings(lan.get(0), "10.71.0.2"), Duration.ofSeconds(20),
                () -> "the members never connected:\n" + a.logQuietly());
    }

    private static void member(TestDaemon d, int i) throws Exception {
        Lab.ok(d.p2p("start", "-ip", "10.71.0." + i + "/24", "-hash", HASH, "-key", "swap-key", "-dev", "swp" + i), "start");
    }

    /**
     * Updates bundle {@code symbolicName} of the first member while it pings the second every
     * 10 ms, and returns the longest run of lost replies, in ms, which must be at most {@code boundMs}.
     */
    private long updateWhilePinging(String symbolicName, long boundMs) throws Exception {
        long id = Lab.bundleId(a, symbolicName);
        try (Pinger ping = new Pinger(lan.get(0), "10.71.0.2")) {
            assertTrue(ping.awaitMore(50, 10), "the ping flows before the update");
            int from = ping.last();
            long t0 = System.nanoTime();
            Lab.ok(a.p2p("shell", "felix:update " + id), "update " + symbolicName);
            long updateMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ping.awaitMore(100, 10), "the ping flows again after the update of " + symbolicName + ":\n"
                    + a.logQuietly());
            long gap = ping.longestGapMs(from);
            System.out.println("swap of " + symbolicName + ": longest gap " + gap + " ms, " + ping.lostSince(from)
                    + " replies lost, the update command took " + updateMs + " ms");
            assertTrue(gap <= boundMs, "a gap of " + gap + " ms, more than " + boundMs + " ms, while " + symbolicName
                    + " was updated:\n" + a.logQuietly());
            return gap;
        }
    }

    private String debug() throws Exception {
        Netns.Result r = a.p2p("debug");
        Lab.ok(r, "debug");
        return r.out();
    }

    @Test
    void theTapDriverIsUpdatedAndTheInterfaceKeepsItsIndexAddressesAndRoutes() throws Exception {
        twoMembers();
        Netns ns = lan.get(0);
        ns.ip("route", "add", "10.99.0.0/24", "dev", "swp1");
        String link = ns.ip("-o", "link", "show", "swp1").replaceAll("state \\S+", "").replaceAll("<[^>]*>", "");
        String addresses = addresses(ns);
        String routes = ns.ip("route", "show", "dev", "swp1");

        updateWhilePinging("io.subutai.p2p.tap.linux", 100);

        assertEquals(link, ns.ip("-o", "link", "show", "swp1").replaceAll("state \\S+", "").replaceAll("<[^>]*>", ""),
                "the same interface: index, MAC, MTU");
        assertEquals(addresses, addresses(ns));
        assertEquals(routes, ns.ip("route", "show", "dev", "swp1"), "a route through it is still there");
        String debug = debug();
        assertTrue(debug.matches("(?s).*tap 'linux' io.subutai.p2p.tap.linux \\S+ -> io.subutai.p2p.tap.linux \\S+, networks "
                + HASH + ": traffic gap \\d+ ms; interfaces taken over: 1.*"), debug);
    }

    /** The interface's addresses, IPv4 and IPv6, without the flags duplicate address detection changes meanwhile. */
    private static String addresses(Netns ns) throws Exception {
        return ns.ip("-o", "addr", "show", "dev", "swp1").replace(" tentative", "");
    }

    @Test
    void theCryptoSuiteIsUpdatedAndSessionsAreRenewedWithoutAGap() throws Exception {
        twoMembers();
        updateWhilePinging("io.subutai.p2p.crypto", 1000);
        Await.require(() -> {
            try {
                return debug().matches("(?s).*crypto 'noise-ikpsk2' .*, networks " + HASH
                        + ": traffic gap 0 ms; network [0-9a-f]{32}: sessions renewed: 1 peer in .*");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> "no renewal recorded:\n" + a.logQuietly());
        assertTrue(debug().contains("Crypto suite: noise-ikpsk2"), debug());
    }

    @Test
    void theSocketProviderIsUpdatedAndTheSocketKeepsItsPort() throws Exception {
        twoMembers();
        String port = udpPort();
        updateWhilePinging("io.subutai.p2p.transport.udp", 1000);
        assertEquals(port, udpPort(), "the same port: NAT mappings and punched holes survive");
        assertTrue(debug().contains("sockets bound again at the same ports: 1"), debug());
    }

    private String udpPort() throws Exception {
        return debug().lines().filter(l -> l.startsWith("UDP Port: ")).findFirst().orElseThrow();
    }

    @Test
    void theLanDiscoveryIsUpdatedAndAMemberThatComesAfterIsFound() throws Exception {
        twoMembers();
        updateWhilePinging("io.subutai.p2p.discovery.lan", 1000);
        assertTrue(debug().contains("discovery 'lan'"), debug());
        TestDaemon c = lab.daemon(lab.joinLan(3), 3);
        long t0 = System.nanoTime();
        member(c, 3);
        Await.require(() -> Lab.pings(lan.get(0), "10.71.0.3"), Duration.ofSeconds(10),
                () -> "the member that came after the update was not found within 10 s:\n" + a.logQuietly());
        System.out.println("a member started after the update of the LAN discovery was reached in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    @Test
    void withoutATapDriverTheNetworkWaitsVisiblyAndTheNextTakesItOver() throws Exception {
        twoMembers();
        long id = Lab.bundleId(a, "io.subutai.p2p.tap.linux");
        Lab.ok(a.p2p("shell", "felix:stop " + id), "stop the TAP driver");
        String status = a.p2p("status").out();
        assertTrue(status.contains("Waiting: waiting for the TAP driver 'linux' to take the interface over"), status);
        assertTrue(lan.get(0).ip("-o", "link", "show", "swp1").contains("swp1"), "the interface stays");
        assertTrue(a.p2p("debug").out().contains("(none yet), networks " + HASH + ": waiting for a successor"),
                a.p2p("debug").out());
        Lab.ok(a.p2p("shell", "felix:start " + id), "start the TAP driver");
        Await.require(() -> Lab.pings(lan.get(0), "10.71.0.2"), Duration.ofSeconds(10),
                () -> "not taken over:\n" + a.logQuietly());
        assertFalse(a.p2p("status").out().contains("Waiting:"));

        // stopped while no driver holds its interface: the next driver removes it
        Lab.ok(a.p2p("shell", "felix:stop " + id), "stop the TAP driver");
        Lab.ok(a.p2p("stop", "-hash", HASH), "stop the network");
        assertTrue(lan.get(0).ip("-o", "link").contains("swp1"), "no driver to remove it yet");
        Lab.ok(a.p2p("shell", "felix:start " + id), "start the TAP driver");
        Await.require(() -> {
            try {
                return !lan.get(0).ip("-o", "link").contains("swp1");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(10), () -> "the stopped network's interface outlived it:\n" + a.logQuietly());
    }
}
