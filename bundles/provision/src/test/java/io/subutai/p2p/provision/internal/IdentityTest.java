package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;

/** A bundle's name and version from its manifest's main section, whatever follows it. */
class IdentityTest {

    @TempDir
    Path dir;

    @Test
    void theMainSectionNamesTheBundleAndTheDigestsAfterItAreNotRead() throws IOException {
        StringBuilder m = new StringBuilder("Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.big;singleton:=true\r\n"
                + "Bundle-Version: 1.87.0\r\nImport-Package: a,\r\n b\r\n\r\n");
        for (int i = 0; i < 2000; i++) {
            m.append("Name: org/example/C").append(i).append(".class\r\nSHA-256-Digest: x\r\n\r\n");
        }
        m.append("a line without a colon, which a parser of the whole manifest refuses\r\n"); // never read
        assertEquals(new Identity("org.example.big", new Version(1, 87, 0)), Identity.of(jar("big.jar", m.toString())));
    }

    @Test
    void lineFeedsAloneAndAManifestWithoutEmptyLineWork() throws IOException {
        assertEquals(new Identity("a.b", new Version(2, 0, 0)),
                Identity.of(jar("lf.jar", "Manifest-Version: 1.0\nBundle-SymbolicName: a.b\nBundle-Version: 2.0.0\n\nName: x\n\n")));
        assertEquals(new Identity("c.d", Version.emptyVersion),
                Identity.of(jar("end.jar", "Manifest-Version: 1.0\nBundle-SymbolicName: c.d\n")));
    }

    @Test
    void notABundleIsNull() throws IOException {
        assertNull(Identity.of(jar("plain.jar", "Manifest-Version: 1.0\r\n\r\n")));
        assertNull(Identity.of(jar("none.jar", null)));
        Path junk = Files.writeString(dir.resolve("junk.jar"), "not a zip");
        assertNull(Identity.of(junk));
        assertNull(Identity.of(dir.resolve("missing.jar")));
    }

    @Test
    void theMainSectionEndsAfterTheFirstEmptyLine() {
        assertEquals(6, Identity.mainSection("a: b\n\nc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(8, Identity.mainSection("a: b\r\n\r\nc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(6, Identity.mainSection("a: b\r\rc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(5, Identity.mainSection("a: b\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0, Identity.mainSection(new byte[0]));
    }

    private Path jar(String name, String manifest) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(out)) {
            if (manifest != null) {
                z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
                z.write(manifest.getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
            z.putNextEntry(new ZipEntry("x.txt"));
            z.write(1);
            z.closeEntry();
        }
        return p;
    }
}
