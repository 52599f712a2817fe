package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two members whose link has an MTU of 1280 while their TAPs have 1500, daemons with {@code -pmtu}:
 * the datagrams fit the link (no IP fragment crosses it), a packet too big that may not be
 * fragmented is answered with "fragmentation needed" naming the MTU that crosses, a SYN reaches
 * the far TAP with its MSS clamped, and TCP runs. And a narrow link one router beyond the
 * members', which only probes can find. Needs root, ping, iperf3, tcpdump and nstat.
 */
class PmtuProcessTest {

    /** 1280 less IPv4 and UDP headers. */
    private static final int DATAGRAM = 1280 - 28;
    /** What crosses whole: the datagram less p2p's 33 bytes (header, index, counter, inner type, tag) and Ethernet's 14. */
    private static final int IP_MTU = DATAGRAM - 33 - 14;

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeAll
    static void needs() {
        Lab.needs("PmtuProcessTest", "ping", "iperf3", "tcpdump", "nstat");
    }

    @Test
    void onANarrowLinkFramesFitTooBigIsAnsweredAndSynsAreClamped() throws Exception {
        Netns a = lab.namespace("mtu-a");
        Netns b = lab.namespace("mtu-b");
        String tag = Integer.toHexString((int) (System.nanoTime() & 0xfff));
        Lab.ok(Netns.exec(List.of("ip", "link", "add", "p2pt-m" + tag + "a", "netns", a.name(), "type", "veth", "peer", "name",
                "p2pt-m" + tag + "b", "netns", b.name())), "veth");
        a.ip("link", "set", "p2pt-m" + tag + "a", "mtu", "1280", "up");
        b.ip("link", "set", "p2pt-m" + tag + "b", "mtu", "1280", "up");
        a.ip("addr", "add", "192.168.93.1/24", "dev", "p2pt-m" + tag + "a");
        b.ip("addr", "add", "192.168.93.2/24", "dev", "p2pt-m" + tag + "b");
        TestDaemon da = daemon(a, "state1");
        TestDaemon db = daemon(b, "state2");
        Lab.ok(da.p2p("start", "-ip", "10.93.0.1", "-hash", "pmtu-net", "-key", "pmtu-key-3x9"), "start a");
        Lab.ok(db.p2p("start", "-ip", "10.93.0.2", "-hash", "pmtu-net", "-key", "pmtu-key-3x9"), "start b");
        Await.require(() -> Lab.pings(b, "10.93.0.1"), Duration.ofSeconds(20), () -> "no ping:\n" + da.logQuietly());
        Await.require(() -> debug(db).contains("Largest datagram: " + DATAGRAM + " bytes"), Duration.ofSeconds(20),
                () -> "the peer's datagrams do not fit the link:\n" + debug(db));
        assertTrue(debug(db).contains("PMTU: Enabled"), debug(db));

        // a packet too big for the path, DF set: "fragmentation needed", with what crosses
        Netns.Result df = Netns.exec(b.wrap(List.of("ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", "10.93.0.1")));
        assertTrue(df.out().contains("Frag needed and DF set (mtu = " + IP_MTU + ")"), df.out() + df.err());
        assertTrue(Lab.pings(b, "10.93.0.1"), "small packets still cross");
        Netns.Result fits = Netns.exec(b.wrap(List.of("ping", "-c", "1", "-W", "2", "-M", "do", "-s",
                Integer.toString(IP_MTU - 28), "10.93.0.1")));
        assertEquals(0, fits.code(), "a packet of the MTU named crosses: " + fits.out());

        // TCP: its SYN arrives at the far TAP clamped; no IP fragment crosses the link
        Process syn = new ProcessBuilder(a.wrap(List.of("tcpdump", "-i", "vptp1", "-nn", "-v", "-l", "-c", "1",
                "tcp[tcpflags] & tcp-syn != 0"))).redirectErrorStream(true).start();
        StringBuffer seen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(syn.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    seen.append(line).append('\n');
                }
            } catch (java.io.IOException e) {
                seen.append(e);
            }
        }, "p2pt-tcpdump");
        reader.start();
        Await.require(() -> seen.toString().contains("listening on") || !syn.isAlive(),
                Duration.ofSeconds(10), () -> "tcpdump did not start: " + seen);
        long reassembled = reassemblies(a);
        long t0 = System.nanoTime();
        Lab.Iperf iperf = Lab.iperf(a, b, "10.93.0.1", 3);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(syn.waitFor(10, TimeUnit.SECONDS), "tcpdump saw a SYN");
        reader.join(5000);
        Matcher mss = Pattern.compile("mss (\\d+)").matcher(seen);
        assertTrue(mss.find(), "a SYN with an MSS on the far TAP: " + seen);
        assertEquals(IP_MTU - 40, Integer.parseInt(mss.group(1)), "clamped to the path: " + seen);
        assertTrue(iperf.mbits() > 10, "TCP runs: " + iperf.mbits() + " Mbit/s");
        assertTrue(reassemblies(a) - reassembled < 10, "no IP fragments crossed the link: "
                + (reassemblies(a) - reassembled) + " reassembled");
        System.out.println("PMTU: iperf3 TCP over a 1280-byte link: " + iperf.mbits() + " Mbit/s (" + iperf.bytes()
                + " bytes in " + ms + " ms with the server's start)");
    }

    /**
     * The narrow link is not the member's own: A's link to router R has an MTU of 1500, R's link
     * to B 1280, so nothing on A tells it the path to B is narrower than its interface. R forwards
     * and runs the bootstrap server, through which A and B meet; the daemons run with {@code -pmtu}.
     * A's probes must find the path's largest datagram (1252 bytes; a lost probe may make it a
     * little less) and debug must say it was found by probing; then TCP over the overlay runs without R
     * having to fragment the tunnel's datagrams, nor B to put fragments together. (Datagrams too
     * big for the path are fragmented by R only until R's "fragmentation needed" reaches A; then
     * A's kernel fragments them itself: B's reassemblies count both.) Prints one line.
     */
    @Test
    void aNarrowLinkBeyondARouterIsFoundByProbes() throws Exception {
        Netns a = lab.namespace("pmr-a");
        Netns r = lab.namespace("pmr-r");
        Netns b = lab.namespace("pmr-b");
        String tag = Integer.toHexString((int) (System.nanoTime() & 0xfff));
        String aSide = "p2pt-r" + tag + "a";
        String bSide = "p2pt-r" + tag + "b";
        Lab.ok(Netns.exec(List.of("ip", "link", "add", aSide, "netns", a.name(), "type", "veth", "peer", "name",
                aSide + "r", "netns", r.name())), "veth a-r");
        Lab.ok(Netns.exec(List.of("ip", "link", "add", bSide, "netns", b.name(), "type", "veth", "peer", "name",
                bSide + "r", "netns", r.name())), "veth r-b");
        a.ip("link", "set", aSide, "mtu", "1500", "up");
        r.ip("link", "set", aSide + "r", "mtu", "1500", "up");
        r.ip("link", "set", bSide + "r", "mtu", "1280", "up");
        b.ip("link", "set", bSide, "mtu", "1280", "up");
        for (Netns ns : List.of(a, r, b)) {
            ns.ip("link", "set", "lo", "up");
        }
        a.ip("addr", "add", "192.168.94.2/24", "dev", aSide);
        r.ip("addr", "add", "192.168.94.1/24", "dev", aSide + "r");
        r.ip("addr", "add", "192.168.95.1/24", "dev", bSide + "r");
        b.ip("addr", "add", "192.168.95.2/24", "dev", bSide);
        a.ip("route", "add", "default", "via", "192.168.94.1");
        b.ip("route", "add", "default", "via", "192.168.95.1");
        Lab.ok(Netns.exec(r.wrap(List.of("sysctl", "-qw", "net.ipv4.ip_forward=1"))), "router forwarding");
        lab.bootstrapServer(r, "dht.log");

        TestDaemon da = daemon(a, "state1");
        TestDaemon db = daemon(b, "state2");
        Lab.ok(da.p2p("start", "-ip", "10.94.0.1", "-hash", "pmtu-routed", "-key", "pmtu-key-7q2", "-dht",
                "192.168.94.1:6881"), "start a");
        Lab.ok(db.p2p("start", "-ip", "10.94.0.2", "-hash", "pmtu-routed", "-key", "pmtu-key-7q2", "-dht",
                "192.168.95.1:6881"), "start b");
        Await.require(() -> Lab.pings(a, "10.94.0.2"), Duration.ofSeconds(30),
                () -> "no ping through the router:\n" + da.logQuietly() + "\n---- b:\n" + db.logQuietly() + "\n---- dht:\n"
                        + lab.log("dht.log"));

        // A's interface says 1500; only probes across R can find the 1280 beyond it
        Pattern largest = Pattern.compile("Largest datagram: (\\d+) bytes");
        Await.require(() -> {
            String text = debug(da);
            Matcher m = largest.matcher(text);
            return m.find() && Integer.parseInt(m.group(1)) >= DATAGRAM - 8 && Integer.parseInt(m.group(1)) <= DATAGRAM
                    && text.contains("found by probing");
        }, Duration.ofSeconds(20), () -> {
            String text = debug(da);
            return "A's probes did not find the path's largest datagram (" + (DATAGRAM - 8) + ".." + DATAGRAM
                    + " bytes, found by probing) in 20 s; A shows: "
                    + text.lines().filter(l -> l.contains("Largest datagram")).map(String::strip).toList() + "\n" + text;
        });
        Matcher found = largest.matcher(debug(da));
        assertTrue(found.find(), "the largest datagram was shown, then not");
        int datagram = Integer.parseInt(found.group(1));

        // TCP over the overlay: the tunnel's datagrams cross R whole
        long reassembled = reassemblies(b);
        long fragmented = counter(r, "IpFragCreates");
        Lab.Iperf iperf = Lab.iperf(b, a, "10.94.0.2", 3);
        long reassembledNow = reassemblies(b) - reassembled;
        long fragmentedNow = counter(r, "IpFragCreates") - fragmented;
        assertTrue(iperf.mbits() > 10, "TCP runs: " + iperf.mbits() + " Mbit/s");
        assertTrue(reassembledNow < 10, "B reassembled " + reassembledNow + " datagrams from fragments during iperf3");
        assertTrue(fragmentedNow < 10, "the router created " + fragmentedNow + " fragments during iperf3");
        System.out.println("PMTU beyond a router: largest datagram " + datagram + ", iperf3 " + iperf.mbits()
                + " Mbit/s, fragments created at the router " + fragmentedNow);
    }

    /** A daemon with {@code -pmtu} in {@code ns}, stopped with the lab. */
    private TestDaemon daemon(Netns ns, String state) throws Exception {
        TestDaemon d = new TestDaemon(ns, P2pOptions.dist().resolve("bin/p2p"), lab.tmp.resolve(state), 52523);
        lab.daemons.add(d);
        d.start("-pmtu");
        return d;
    }

    private static String debug(TestDaemon d) {
        try {
            return d.p2p("debug").out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** IP datagrams the namespace put together from fragments so far. */
    private static long reassemblies(Netns ns) throws Exception {
        return counter(ns, "IpReasmOKs");
    }

    /** The namespace's kernel counter {@code name} as nstat names it (e.g. {@code IpFragCreates}), its absolute value. */
    private static long counter(Netns ns, String name) throws Exception {
        Netns.Result r = Netns.exec(ns.wrap(List.of("nstat", "-az", name)));
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\s+(\\d+)").matcher(r.out());
        assertTrue(m.find(), name + ": " + r.out() + r.err());
        return Long.parseLong(m.group(1));
    }
}
