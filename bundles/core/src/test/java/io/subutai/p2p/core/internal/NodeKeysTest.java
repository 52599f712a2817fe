package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.StaticKeys;

/** The node's static key on disk (the threat review's L7): the owner's alone, the same at every start. */
class NodeKeysTest {

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final io.subutai.p2p.core.internal.mesh.MeshLog log = new io.subutai.p2p.core.internal.mesh.MeshLog() {
        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
            warnings.add(message);
        }

        @Override
        public void debug(String message) {
        }
    };

    @Test
    void aNewKeyIsTheOwnersAloneAndComesBackTheSame() throws Exception {
        java.util.Random random = new java.util.Random(7);
        CryptoSuite suite = new CryptoSuite() { // only its key generation is used here
            @Override
            public int wireId() {
                return 1;
            }

            @Override
            public StaticKeys generateKeys() {
                byte[] priv = new byte[32];
                byte[] pub = new byte[32];
                random.nextBytes(priv);
                random.nextBytes(pub);
                return new StaticKeys(priv, pub);
            }

            @Override
            public byte[] derivePsk(byte[] networkSecret) {
                throw new AssertionError("not used by this test");
            }

            @Override
            public io.subutai.p2p.spi.Handshake initiate(StaticKeys local, byte[] remoteStatic, byte[] psk) {
                throw new AssertionError("not used by this test");
            }

            @Override
            public io.subutai.p2p.spi.Handshake respond(StaticKeys local, byte[] psk) {
                throw new AssertionError("not used by this test");
            }
        };
        Path file = dir.resolve("node.key");
        StaticKeys made = NodeKeys.load(file, suite, log);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        StaticKeys again = NodeKeys.load(file, suite, log);
        assertArrayEquals(made.publicKey(), again.publicKey());
        assertEquals(List.of(), warnings);

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertArrayEquals(made.publicKey(), NodeKeys.load(file, suite, log).publicKey());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "taken back");
        assertTrue(warnings.size() == 1 && warnings.get(0).contains("was readable by others (rw-r--r--)"), warnings.toString());
    }

    @Test
    void eachNetworkHasAStaticKeyOfItsOwnTheSameAtEveryStart() {
        byte[] priv = new byte[32];
        new java.security.SecureRandom().nextBytes(priv);
        byte[] pub = new byte[32];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePublicKey(priv, 0, pub, 0);
        StaticKeys node = new StaticKeys(priv, pub);
        StaticKeys one = NodeKeys.forNetwork(node, "00112233445566778899aabbccddeeff");
        StaticKeys two = NodeKeys.forNetwork(node, "ffeeddccbbaa99887766554433221100");
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(one.publicKey(), two.publicKey()),
                "two networks see two unrelated keys (the review's M5)");
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(one.publicKey(), node.publicKey()));
        assertArrayEquals(one.publicKey(), NodeKeys.forNetwork(node, "00112233445566778899aabbccddeeff").publicKey(),
                "the same network, the same key: its peer ID survives restarts");
        byte[] check = new byte[32];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePublicKey(one.privateKey(), 0, check, 0);
        assertArrayEquals(one.publicKey(), check, "a real X25519 pair");
    }
}
