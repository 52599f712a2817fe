package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.subutai.p2p.servers.internal.StreamOptions;
import io.subutai.p2p.servers.internal.TlsIdentity;

/** The stream port flags of {@code p2p dht-server} and {@code p2p proxy-server}: what they make of a command line. */
class StandaloneServersTest {

    @TempDir
    Path temp;

    @Test
    void withoutTcpThereIsNoStreamPort() throws Exception {
        assertNull(StandaloneServers.streams(Commands.PROXY_SERVER.parse(List.of()), temp).options());
        assertFalse(Files.exists(temp.resolve("tls.crt")), "and no certificate is made");
    }

    @Test
    void withTcpAloneTheSelfSignedCertificateOfTheStateDirectoryIsUsed() throws Exception {
        Path dir = temp.resolve("proxy-server");
        StreamOptions o = StandaloneServers.streams(Commands.PROXY_SERVER.parse(List.of("-tcp", ":443")), dir).options();
        assertEquals(443, o.listen().getPort());
        assertTrue(o.listen().getAddress().isAnyLocalAddress());
        assertEquals("/p2p", o.path());
        assertEquals(TlsIdentity.selfSigned(dir).hex(), o.tls().hex(), "made there, and the same when read again");
    }

    @Test
    void givenFilesAreUsedAndNothingIsMadeInTheStateDirectory() throws Exception {
        TlsIdentity.selfSigned(temp.resolve("operator"));
        Path cert = temp.resolve("operator/tls.crt");
        Path key = temp.resolve("operator/tls.key");
        Path dir = temp.resolve("dht-server");
        StreamOptions o = StandaloneServers.streams(Commands.DHT_SERVER.parse(List.of("-tcp", "127.0.0.1:8443",
                "-tls-cert", cert.toString(), "-tls-key", key.toString(), "-ws-path", "/dht")), dir).options();
        assertEquals(TlsIdentity.load(cert, key).hex(), o.tls().hex());
        assertEquals("/dht", o.path());
        assertEquals(8443, o.listen().getPort());
        assertFalse(Files.exists(dir), "the state directory is left alone");
    }

    @Test
    void behindAWebServerTheRelayAnnouncesThePublicPortAndNoCertificate() throws Exception {
        List<String> args = List.of("-listen", "127.0.0.1:6882", "-tcp", "127.0.0.1:8443", "-tcp-public", "443");
        StreamOptions o = StandaloneServers.streams(Commands.PROXY_SERVER.parse(args), temp)
                .withPublicPort(Commands.PROXY_SERVER.parse(args)).options();
        assertEquals(8443, o.listen().getPort(), "it listens where the web server forwards");
        assertEquals(443, o.publicPort(), "members are sent where the web server listens");
        io.subutai.p2p.servers.internal.RelayServer relay = io.subutai.p2p.servers.internal.RelayServer.start(
                new java.net.InetSocketAddress("127.0.0.1", 0), 125_000_000L, 0, System::nanoTime, m -> { }, List.of(),
                o.withTimes(java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(90)).withListen(0));
        try {
            assertEquals(443, relay.publicStreamPort());
            assertNull(relay.certificate(), "members see the web server's certificate, which the relay cannot announce");
        } finally {
            relay.close();
        }
        assertEquals("-tcp-public is the port a web server in front forwards to -tcp: give -tcp ADDR:PORT too",
                org.junit.jupiter.api.Assertions.assertThrows(UsageException.class, () -> StandaloneServers.streams(
                        Commands.PROXY_SERVER.parse(List.of("-tcp-public", "443")), temp)
                        .withPublicPort(Commands.PROXY_SERVER.parse(List.of("-tcp-public", "443")))).getMessage());
    }
}
