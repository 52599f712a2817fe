package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stream port's TLS certificate: made once and kept, or the operator's, and what is wrong with bad files. */
class TlsIdentityTest {

    @TempDir
    Path temp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
    }

    @Test
    void aSelfSignedCertificateIsMadeOnceOwnerOnlyAndTheSameAtEveryStart() throws Exception {
        Path dir = temp.resolve("proxy-server");
        TlsIdentity first = TlsIdentity.selfSigned(dir);
        assertEquals("rwx------", mode(dir));
        assertEquals("rw-------", mode(dir.resolve(TlsIdentity.KEY)));
        assertEquals("rw-------", mode(dir.resolve(TlsIdentity.CERT)));
        X509Certificate cert = certificate(dir.resolve(TlsIdentity.CERT));
        assertEquals("CN=p2p", cert.getSubjectX500Principal().getName());
        assertEquals(256, ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize(), "EC P-256");
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()), first.sha256(),
                "the SHA-256 of the certificate's DER");
        assertTrue(Files.readString(dir.resolve(TlsIdentity.KEY)).startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8");

        Files.setPosixFilePermissions(dir.resolve(TlsIdentity.KEY), PosixFilePermissions.fromString("rw-r--r--"));
        TlsIdentity again = TlsIdentity.selfSigned(dir);
        assertEquals(first.hex(), again.hex(), "kept: members that pinned it keep trusting it");
        assertEquals("rw-------", mode(dir.resolve(TlsIdentity.KEY)), "the key is the owner's alone again");

        Files.delete(dir.resolve(TlsIdentity.CERT));
        assertFalse(first.hex().equals(TlsIdentity.selfSigned(dir).hex()), "half of it lost: a new one is made");
    }

    @Test
    void theOperatorsCertificateAndKeyAreWhatTheStreamPortShows() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        X500Name name = new X500Name("CN=relay.example.org");
        byte[] der = new JcaX509v3CertificateBuilder(name, BigInteger.TEN, new Date(System.currentTimeMillis() - 60_000),
                new Date(System.currentTimeMillis() + 86_400_000L), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())).getEncoded();
        Path cert = temp.resolve("relay.crt");
        Path key = temp.resolve("relay.key");
        Files.writeString(cert, pem("CERTIFICATE", der));
        Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));

        TlsIdentity given = TlsIdentity.load(cert, key);
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(der);
        assertArrayEquals(sha, given.sha256());
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (RelayServer relay = RelayServer.start(new InetSocketAddress(loopback, 0), 1_000_000, 0, System::nanoTime, m -> { },
                List.of(), StreamOptions.of(new InetSocketAddress(loopback, 0), given, "/p2p"));
                StreamClient c = StreamClient.connect(relay.streamAddress(), StreamClient.Mode.TLS_PLAIN, "/p2p")) {
            assertArrayEquals(sha, c.certificate, "the stream port shows the operator's certificate");
            assertArrayEquals(sha, relay.certificate(), "and announces it");
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @Test
    void filesThatAreNotACertificateAndItsKeySayWhatIsWrong() throws Exception {
        TlsIdentity.selfSigned(temp.resolve("a"));
        TlsIdentity.selfSigned(temp.resolve("b"));
        Path cert = temp.resolve("a").resolve(TlsIdentity.CERT);
        Path otherKey = temp.resolve("b").resolve(TlsIdentity.KEY);
        Path missing = temp.resolve("missing.key");
        assertTrue(assertThrows(java.io.IOException.class, () -> TlsIdentity.load(cert, missing)).getMessage()
                .startsWith("cannot read the TLS key " + missing));
        assertEquals(otherKey + " is not the private key of the certificate in " + cert,
                assertThrows(java.io.IOException.class, () -> TlsIdentity.load(cert, otherKey)).getMessage());
        Path sec1 = temp.resolve("sec1.key");
        Files.writeString(sec1, "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
        assertTrue(assertThrows(java.io.IOException.class, () -> TlsIdentity.load(cert, sec1)).getMessage()
                .startsWith(sec1 + " is not a PKCS#8 private key (PEM: -----BEGIN PRIVATE KEY-----); convert one with openssl"));
        Path text = temp.resolve("text.crt");
        Files.writeString(text, "not a certificate\n");
        assertTrue(assertThrows(java.io.IOException.class, () -> TlsIdentity.load(text, otherKey)).getMessage()
                .startsWith(text.toString()));
    }
}
