package io.subutai.p2p.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A bearer token kept in a file ({@code -metrics-token FILE}): the file's first line, trimmed. */
public final class BearerToken {

    private BearerToken() {
    }

    /** The token in {@code file}: its first line, trimmed; it must not be empty. */
    public static String read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        String t = text.lines().findFirst().orElse("").strip();
        if (t.isEmpty()) {
            throw new IOException(file + ": no token on its first line");
        }
        return t;
    }
}
