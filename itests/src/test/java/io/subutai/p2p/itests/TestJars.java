package io.subutai.p2p.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Copies of the distribution's bundles with another manifest: other versions of a feature, as a vendor would ship. */
final class TestJars {

    private TestJars() {
    }

    /** The distribution's jar of {@code io.subutai.p2p/ARTIFACT}. */
    static Path distributed(String artifact) throws IOException {
        try (Stream<Path> files = Files.walk(P2pOptions.dist().resolve("system/io/subutai/p2p/" + artifact))) {
            return files.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
    }

    /**
     * Writes a copy of {@code source} to {@code target} with these manifest headers set
     * ({@code Import-Package} is added to, not replaced) and its component descriptions passed
     * through {@code components}.
     */
    static Path copy(Path source, Path target, Map<String, String> headers, UnaryOperator<String> components)
            throws IOException {
        try (JarFile in = new JarFile(source.toFile())) {
            java.util.jar.Manifest manifest = new java.util.jar.Manifest(in.getManifest());
            Attributes a = manifest.getMainAttributes();
            headers.forEach((k, v) -> a.putValue(k, k.equals("Import-Package") ? a.getValue(k) + "," + v : v));
            try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements();) {
                    JarEntry e = entries.nextElement();
                    if (e.getName().equals(JarFile.MANIFEST_NAME)) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream content = in.getInputStream(e)) {
                        byte[] bytes = content.readAllBytes();
                        if (e.getName().startsWith("OSGI-INF/") && e.getName().endsWith(".xml")) {
                            bytes = components.apply(new String(bytes, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                        }
                        out.write(bytes);
                    }
                    out.closeEntry();
                }
            }
        }
        return target;
    }
}
