package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.wire.syslog.Syslog;

class LogTest {

    @Test
    void withSyslogEveryLineItPrintsAlsoArrivesThereAsRfc5424() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            receiver.setSoTimeout(5000);
            Parsed p = Commands.SERVERS.parse(List.of("-syslog", "127.0.0.1:" + receiver.getLocalPort()));
            try (Syslog syslog = Log.syslog(p)) {
                Log log = new Log(new PrintStream(out, true, StandardCharsets.UTF_8), "warning", syslog);
                log.info("not at warning");
                log.warn("Relay 10.0.0.1:6882 is full");
                log.error("Cannot bind :6881");
            }
            assertTrue(out.toString(StandardCharsets.UTF_8).matches(
                    "\\[WARNING] \\S+ \\S+ Relay 10.0.0.1:6882 is full\n\\[ERROR] \\S+ \\S+ Cannot bind :6881\n"), out.toString());
            assertEquals("<28>1 | Relay 10.0.0.1:6882 is full", receive(receiver), "daemon.warning");
            assertEquals("<27>1 | Cannot bind :6881", receive(receiver), "daemon.err");
        }
    }

    /** The next message's PRI and version, and its MSG. */
    private static String receive(DatagramSocket receiver) throws Exception {
        DatagramPacket packet = new DatagramPacket(new byte[4096], 4096);
        receiver.receive(packet);
        String[] f = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).split(" ", 8);
        assertEquals("p2p", f[3]);
        assertEquals(Long.toString(ProcessHandle.current().pid()), f[4]);
        return f[0] + " | " + f[7];
    }

    @Test
    void withoutTheFlagThereIsNoSender() throws Exception {
        assertEquals(null, Log.syslog(Commands.DAEMON.parse(List.of())));
    }
}
