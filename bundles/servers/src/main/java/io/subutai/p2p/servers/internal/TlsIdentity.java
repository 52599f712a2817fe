package io.subutai.p2p.servers.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLException;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import io.subutai.p2p.wire.KeyFile;

/**
 * The certificate and key a server's stream port speaks TLS with (docs/protocol.md §10). TLS there
 * is camouflage for middleboxes, not trust: members pin the certificate's SHA-256 ({@link
 * #sha256}) as they pin the server key, and what the servers say is authenticated by other means.
 * Either the operator's ({@code -tls-cert FILE -tls-key FILE}: PEM, the key PKCS#8), or a
 * self-signed EC P-256 certificate made once into the server's state directory as {@value #CERT}
 * and {@value #KEY} (mode 0600, the directory 0700, as {@link ServerKey}) and the same at every
 * start. Immutable; the JDK's TLS, BouncyCastle only to build the certificate, no provider installed.
 */
public final class TlsIdentity {

    static final String CERT = "tls.crt";
    static final String KEY = "tls.key";
    /** A self-signed certificate's end of validity: 9999-12-31 23:59:59 UTC, "no expiry" (RFC 5280 4.1.2.5). */
    private static final long NEVER = 253_402_300_799_000L;

    private final SslContext context;
    private final byte[] sha256;

    private TlsIdentity(PrivateKey key, List<X509Certificate> chain) throws IOException {
        try {
            this.context = SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.JDK).build();
            this.sha256 = MessageDigest.getInstance("SHA-256").digest(chain.get(0).getEncoded());
        } catch (SSLException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot use this certificate and key for TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The operator's certificate (PEM; a chain, the server's first) and its private key (PEM,
     * PKCS#8, unencrypted): an exception that says what is wrong when they are not, or do not match.
     */
    public static TlsIdentity load(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile, chain.get(0).getPublicKey().getAlgorithm());
        if (!matches(key, chain.get(0))) {
            throw new IOException(keyFile + " is not the private key of the certificate in " + certFile);
        }
        return new TlsIdentity(key, chain);
    }

    /**
     * The self-signed certificate in {@code dir} ({@value #CERT}, {@value #KEY}), made there when
     * either is missing; the directory is made (0700) when missing.
     */
    public static TlsIdentity selfSigned(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path cert = dir.resolve(CERT);
        Path key = dir.resolve(KEY);
        if (Files.exists(cert) && Files.exists(key)) {
            ownerOnly(key);
            ownerOnly(cert);
            return load(cert, key);
        }
        KeyPair pair;
        byte[] der;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            pair = g.generateKeyPair();
            der = certificate(pair);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make a TLS certificate: " + e.getMessage(), e);
        }
        KeyFile.write(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        KeyFile.write(cert, pem("CERTIFICATE", der)); // last: a certificate on disk has its key
        return load(cert, key);
    }

    /** A self-signed certificate of {@code pair}, CN=p2p, valid from a day ago with no expiry, for TLS servers. */
    private static byte[] certificate(KeyPair pair) throws OperatorCreationException, IOException {
        X500Name name = new X500Name("CN=p2p");
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7f;
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(1, serial),
                new Date(System.currentTimeMillis() - 86_400_000L), new Date(NEVER), name, pair.getPublic());
        try {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        } catch (CertIOException e) {
            throw new IOException(e);
        }
        return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())).getEncoded();
    }

    private static void ownerOnly(Path file) throws IOException {
        Set<PosixFilePermission> own = PosixFilePermissions.fromString("rw-------");
        if (!own.containsAll(Files.getPosixFilePermissions(file))) {
            Files.setPosixFilePermissions(file, own); // readable by others: the owner's alone again
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] bytes = read(file, "certificate");
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                chain.add((X509Certificate) c);
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IOException(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(file + " holds no certificate (PEM: -----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file, String algorithm) throws IOException {
        String text = new String(read(file, "key"), StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = text.indexOf(begin);
        int to = text.indexOf("-----END PRIVATE KEY-----");
        if (from < 0 || to < from) {
            throw new IOException(file + " is not a PKCS#8 private key (PEM: " + begin + "); convert one with"
                    + " openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file.getFileName());
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + " is not a " + algorithm + " private key in PKCS#8: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path file, String what) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read the TLS " + what + " " + file + ": " + e, e);
        }
    }

    /** Whether {@code key} signs what {@code cert}'s public key verifies; true when the algorithm is not one tried here. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        try {
            byte[] probe = "p2p tls key".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** What the stream port's TLS handlers are made from. */
    SslContext context() {
        return context;
    }

    /** The SHA-256 of the server's certificate (DER), which members pin and relays announce. */
    public byte[] sha256() {
        return sha256.clone();
    }

    /** {@link #sha256} in hex, as the server logs it. */
    public String hex() {
        return HexFormat.of().formatHex(sha256);
    }

    @Override
    public String toString() {
        return "TlsIdentity[" + hex() + "]";
    }
}
