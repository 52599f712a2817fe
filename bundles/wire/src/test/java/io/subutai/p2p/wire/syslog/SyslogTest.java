package io.subutai.p2p.wire.syslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class SyslogTest {

    /** RFC 5424: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]. */
    private static final Pattern RFC5424 = Pattern.compile(
            "<(\\d{1,3})>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,6})?Z) (\\S{1,255}) (\\S{1,48}) (\\d+) - - (.*)",
            Pattern.DOTALL);

    @Test
    void aLineArrivesAsOneRfc5424MessageAtTheReceiver() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            receiver.setSoTimeout(5000);
            Instant before = Instant.now().minusSeconds(1);
            try (Syslog syslog = Syslog.open("127.0.0.1:" + receiver.getLocalPort())) {
                syslog.send(Syslog.severity("WARNING"), "Peer 10.1.0.2 is unreachable: ünïcode kept");
            }
            DatagramPacket packet = new DatagramPacket(new byte[4096], 4096);
            receiver.receive(packet);
            String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            Matcher m = RFC5424.matcher(text);
            assertTrue(m.matches(), text);
            assertEquals(3 * 8 + 4, Integer.parseInt(m.group(1)), "facility daemon, severity warning");
            Instant at = Instant.parse(m.group(2));
            assertTrue(!at.isBefore(before) && at.isBefore(Instant.now().plus(Duration.ofSeconds(1))), m.group(2));
            assertEquals(Syslog.localHostname(), m.group(3));
            assertEquals("p2p", m.group(4));
            assertEquals(ProcessHandle.current().pid(), Long.parseLong(m.group(5)));
            assertEquals("Peer 10.1.0.2 is unreachable: ünïcode kept", m.group(6));
        }
    }

    @Test
    void aLongLineIsCutToOneDatagramOfTheSizeReceiversTake() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Syslog syslog = Syslog.open("[::ffff:127.0.0.1]:" + receiver.getLocalPort(), "host-a")) {
            receiver.setSoTimeout(5000);
            syslog.send(7, "x".repeat(10_000));
            DatagramPacket packet = new DatagramPacket(new byte[20_000], 20_000);
            receiver.receive(packet);
            assertEquals(Syslog.MAX_DATAGRAM, packet.getLength());
            assertTrue(new String(packet.getData(), 0, 40, StandardCharsets.US_ASCII).startsWith("<31>1 "));
        }
    }

    @Test
    void levelsMapToTheOriginalsSeveritiesAndTraceIsNotSent() {
        assertEquals(7, Syslog.severity("debug"));
        assertEquals(6, Syslog.severity("INFO"));
        assertEquals(4, Syslog.severity("WARNING"));
        assertEquals(3, Syslog.severity("ERROR"));
        assertEquals(-1, Syslog.severity("TRACE"));
    }

    @Test
    void whatIsNotHostColonPortIsRefusedSayingWhy() {
        assertEquals("give HOST:PORT, e.g. 127.0.0.1:1514",
                assertThrows(IllegalArgumentException.class, () -> Syslog.address("127.0.0.1")).getMessage());
        assertEquals("the port must be 1 to 65535",
                assertThrows(IllegalArgumentException.class, () -> Syslog.address("127.0.0.1:70000")).getMessage());
        assertEquals("the port must be 1 to 65535",
                assertThrows(IllegalArgumentException.class, () -> Syslog.address("127.0.0.1:x")).getMessage());
        assertEquals("give HOST:PORT, e.g. 127.0.0.1:1514",
                assertThrows(IllegalArgumentException.class, () -> Syslog.address(":1514")).getMessage());
        assertEquals("give HOST:PORT, e.g. 127.0.0.1:1514",
                assertThrows(IllegalArgumentException.class, () -> Syslog.address("[]:1514")).getMessage());
        assertEquals("write an IPv6 address in brackets: [ADDR]:PORT",
                assertThrows(IllegalArgumentException.class, () -> Syslog.address("::1:1514")).getMessage());
        assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1514), Syslog.address("127.0.0.1:1514"));
    }
}
