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
}
