package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

/** The two components as SCR builds them from their configuration, and what they refuse. */
class ServerComponentsTest {

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path temp;
    private java.nio.file.Path state;


    private final List<String> logged = new ArrayList<>();

    @org.junit.jupiter.api.BeforeEach
    void stateDir() {
        state = temp.resolve("dht-server");
    }

    /** A configuration annotation instance answering {@code values}, else the attribute's default. */
    private static <A> A config(Class<A> type, Map<String, Object> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> values.getOrDefault(method.getName(), method.getDefaultValue())));
    }

    private Logger log() {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("info") && args != null && args.length == 1) {
                        logged.add(String.valueOf(args[0]));
                    }
                    return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
    }

    /** A loopback address with a port free now (servers take no port 0: a configured one is meant). */
    private static InetSocketAddress freeLoopback() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return (InetSocketAddress) s.getLocalSocketAddress();
        }
    }

    private static int freeTcp() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean free(InetSocketAddress address) {
        try (DatagramSocket s = new DatagramSocket(address)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aConfiguredRelayListensUntilDeactivatedAndFreesItsPort() throws Exception {
        InetSocketAddress at = freeLoopback();
        RelayServerComponent relay = new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("listen",
                "127.0.0.1:" + at.getPort(), "rate", 10, "dht", "127.0.0.1:6881, 127.0.0.2:6881")), temp, log());
        assertEquals(at, relay.address());
        assertFalse(free(at), "it holds its port");
        assertTrue(logged.get(0).startsWith("Relay server listening on "), logged.toString());
        relay.deactivate();
        assertTrue(free(at), "deactivated, the port is free");
    }

    @Test
    void aRelayWithTcpTakesStreamsWithItsSelfSignedCertificateKeptInItsDirectory() throws Exception {
        java.nio.file.Path dir = temp.resolve("proxy-server");
        RelayServerComponent relay = new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("listen",
                "127.0.0.1:" + freeLoopback().getPort(), "tcp", "127.0.0.1:" + freeTcp())), dir, log());
        try {
            assertTrue(relay.streamAddress() != null && relay.streamAddress().getPort() > 0);
            assertTrue(java.nio.file.Files.exists(dir.resolve(TlsIdentity.CERT)) && java.nio.file.Files.exists(dir.resolve(TlsIdentity.KEY)));
            String sha = TlsIdentity.selfSigned(dir).hex();
            assertTrue(logged.contains("TLS certificate SHA-256: " + sha), logged.toString());
            try (StreamClient c = StreamClient.connect(relay.streamAddress(), StreamClient.Mode.TLS_WEBSOCKET, "/p2p")) {
                assertEquals(sha, java.util.HexFormat.of().formatHex(c.certificate));
            }
        } finally {
            relay.deactivate();
        }
        BootstrapServerComponent dht = new BootstrapServerComponent(config(BootstrapServerComponent.Config.class,
                Map.of("listen", "127.0.0.1:" + freeLoopback().getPort(), "tcp", "127.0.0.1:" + freeTcp(), "wsPath", "/dht")), state, log());
        try (StreamClient c = StreamClient.connect(dht.streamAddress(), StreamClient.Mode.WEBSOCKET, "/dht")) {
            assertTrue(java.nio.file.Files.exists(state.resolve(TlsIdentity.CERT)), "the bootstrap server's, in its own directory");
        } finally {
            dht.deactivate();
        }
    }

    @Test
    void aStreamPortConfigurationThatIsNotOneSaysWhatIsWrong() {
        assertEquals("tcp=443 is not ADDR:PORT, [IPv6]:PORT or :PORT", assertThrows(IOException.class,
                () -> new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("tcp", "443")), temp, log()))
                .getMessage());
        assertEquals("tlsCert and tlsKey go together: give both, or neither for a self-signed certificate",
                assertThrows(IOException.class, () -> new BootstrapServerComponent(config(BootstrapServerComponent.Config.class,
                        Map.of("tcp", ":443", "tlsCert", "/etc/ssl/relay.crt")), state, log())).getMessage());
        assertEquals("tlsCert and tlsKey are for the stream port: give tcp=ADDR:PORT too",
                assertThrows(IOException.class, () -> new RelayServerComponent(config(RelayServerComponent.Config.class,
                        Map.of("tlsCert", "/etc/ssl/relay.crt", "tlsKey", "/etc/ssl/relay.key")), temp, log())).getMessage());
        assertEquals("wsPath=p2p is not a path such as /p2p", assertThrows(IOException.class,
                () -> new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("tcp", ":443", "wsPath", "p2p")),
                        temp, log())).getMessage());
        assertTrue(logged.isEmpty(), "nothing started");
    }

    @Test
    void aConfiguredBootstrapServerListensUntilDeactivated() throws Exception {
        InetSocketAddress at = freeLoopback();
        BootstrapServerComponent dht = new BootstrapServerComponent(config(BootstrapServerComponent.Config.class,
                Map.of("listen", "127.0.0.1:" + at.getPort())), state, log());
        assertEquals(at, dht.address());
        assertTrue(logged.get(0).startsWith("Bootstrap server listening on "), logged.toString());
        assertTrue(java.nio.file.Files.exists(state.resolve(ServerKey.FILE)), "its key, kept in its own directory");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(state)));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(state.resolve(ServerKey.FILE))));
        String key = dht.key();
        assertTrue(logged.stream().anyMatch(l -> l.contains("-dht HOST:PORT@" + key)), "says how to pin its key: " + logged);
        dht.deactivate();
        assertTrue(free(at));
    }

    @Test
    void aConfigurationThatIsNotOneSaysWhatIsWrong() {
        assertEquals("listen=6881 is not ADDR:PORT, [IPv6]:PORT or :PORT", assertThrows(IOException.class,
                () -> new BootstrapServerComponent(config(BootstrapServerComponent.Config.class, Map.of("listen", "6881")), state, log()))
                .getMessage());
        assertEquals("rate=0 is not a number of Mbit/s per member, at least 1", assertThrows(IOException.class,
                () -> new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("rate", 0)), temp, log())).getMessage());
        assertEquals("maxTotalMbit=-1 is not a number of Mbit/s in all, 0 for no cap", assertThrows(IOException.class,
                () -> new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("maxTotalMbit", -1)), temp, log()))
                .getMessage());
        assertEquals("dht=127.0.0.1:6881,:6881: ':6881' is not HOST:PORT", assertThrows(IOException.class,
                () -> new RelayServerComponent(config(RelayServerComponent.Config.class, Map.of("dht", "127.0.0.1:6881,:6881")),
                        temp, log())).getMessage());
        assertTrue(logged.isEmpty(), "nothing started");
    }
}
