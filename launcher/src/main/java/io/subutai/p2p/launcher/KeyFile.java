package io.subutai.p2p.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A network key read by the client, so that it never sits on the command line (where any user
 * can read it in /proc): {@code -keyfile -} of {@code start} and {@code -keyfile} of {@code set}.
 * The file holds {@code key: K} and optionally {@code ttl: T} (the format of the daemon's key
 * files), or just the key on one line, as {@code p2p keygen > FILE} writes it.
 *
 * @param key the key
 * @param ttl the Unix time until which it is valid, or empty
 */
record KeyFile(String key, String ttl) {

    static final int MAX = 64 * 1024;

    /** Reads {@code name}: a file, or standard input for {@code -}. */
    static KeyFile read(String name, InputStream stdin) throws UsageException {
        String what = name.equals("-") ? "standard input" : "key file " + name;
        byte[] bytes;
        try (InputStream in = name.equals("-") ? null : Files.newInputStream(Path.of(name))) {
            bytes = (in != null ? in : stdin).readNBytes(MAX + 1);
        } catch (IOException e) {
            throw new UsageException("cannot read " + what + ": " + e.getMessage());
        }
        if (bytes.length > MAX) {
            throw new UsageException(what + " is larger than " + MAX + " bytes");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8), what);
    }

    static KeyFile parse(String text, String what) throws UsageException {
        String key = null;
        String ttl = "";
        String bare = null;
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).strip();
            if (name.equals("key") || name.equals("ttl")) {
                String v = unquote(line.substring(colon + 1).strip());
                if (name.equals("key")) {
                    key = v;
                } else {
                    ttl = v;
                }
            } else if (bare == null && key == null) {
                bare = line;
            } else {
                throw new UsageException(what + " must hold key: (and ttl:), or just the key on one line");
            }
        }
        if (key == null) {
            key = bare;
        } else if (bare != null) {
            throw new UsageException(what + " must hold key: (and ttl:), or just the key on one line");
        }
        if (key == null || key.isEmpty()) {
            throw new UsageException(what + " holds no key");
        }
        return new KeyFile(key, ttl);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
