package io.subutai.p2p.provision.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;

/**
 * What a bundle jar is: its Bundle-SymbolicName (without directives) and Bundle-Version, from its
 * manifest's main section alone. A
 * signed jar's manifest goes on with a digest per class (BouncyCastle's: 855 KB, some 9 000
 * sections); parsing and verifying all of it at every start cost the boot tens of milliseconds and
 * the JIT a quarter of a second of compiling, for two headers at its top.
 */
record Identity(String symbolicName, Version version) {

    /** Whether the bundle runs a jar of this identity now. */
    boolean of(Bundle b) {
        return symbolicName.equals(b.getSymbolicName()) && version.equals(b.getVersion());
    }

    /** Null when the file is not a readable bundle. */
    static Identity of(Path jar) {
        try (JarFile f = new JarFile(jar.toFile(), false)) { // no verification: only the name is wanted
            JarEntry e = f.getJarEntry(JarFile.MANIFEST_NAME);
            if (e == null) {
                return null;
            }
            Attributes a;
            try (InputStream in = f.getInputStream(e)) {
                byte[] m = in.readAllBytes();
                a = new Manifest(new ByteArrayInputStream(m, 0, mainSection(m))).getMainAttributes();
            }
            String bsn = a.getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (bsn == null) {
                return null;
            }
            return new Identity(bsn.split(";", 2)[0].trim(), Version.parseVersion(a.getValue(Constants.BUNDLE_VERSION)));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The length of the manifest's main section: up to and with the first empty line (all of it when there is none). */
    static int mainSection(byte[] m) {
        int start = 0;
        while (start < m.length) {
            int end = start;
            while (end < m.length && m[end] != '\n' && m[end] != '\r') {
                end++;
            }
            int next = end + 1 < m.length && m[end] == '\r' && m[end + 1] == '\n' ? end + 2 : end + 1; // CR LF, LF or CR
            if (end == start) {
                return Math.min(next, m.length); // the empty line
            }
            start = next;
        }
        return m.length;
    }
}
