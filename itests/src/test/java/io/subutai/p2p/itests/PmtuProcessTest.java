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
 * the far TAP with its MSS clamped, and TCP runs. Needs root, ping, iperf3, tcpdump and nstat.
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
        TestDaemon da = new TestDaemon(a, P2pOptions.dist().resolve("bin/p2p"), lab.tmp.resolve("state1"), 52523);
        TestDaemon db = new TestDaemon(b, P2pOptions.dist().resolve("bin/p2p"), lab.tmp.resolve("state2"), 52523);
        lab.daemons.add(da);
        lab.daemons.add(db);
        da.start("-pmtu");
        db.start("-pmtu");
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

    private static String debug(TestDaemon d) {
        try {
            return d.p2p("debug").out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** IP datagrams the namespace put together from fragments so far. */
    private static long reassemblies(Netns ns) throws Exception {
        Netns.Result r = Netns.exec(ns.wrap(List.of("nstat", "-az", "IpReasmOKs")));
        Matcher m = Pattern.compile("IpReasmOKs\\s+(\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out() + r.err());
        return Long.parseLong(m.group(1));
    }
}
