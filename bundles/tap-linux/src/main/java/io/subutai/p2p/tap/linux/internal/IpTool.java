package io.subutai.p2p.tap.linux.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs iproute2's {@code ip} to configure interfaces; its error output becomes the exception's message. */
final class IpTool {

    private static final List<String> PLACES = List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");

    private final String path;

    IpTool(String path) {
        this.path = path;
    }

    /**
     * The configured tool, or when none is configured the first {@code ip} found in the usual
     * places and PATH; null when the configured one is not executable or none is found. A
     * configured tool is never silently replaced by another.
     */
    static IpTool find(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Files.isExecutable(Path.of(configured.trim())) ? new IpTool(configured.trim()) : null;
        }
        List<String> candidates = new ArrayList<>(PLACES);
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(dir + "/ip");
                }
            }
        }
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return new IpTool(c);
            }
        }
        return null;
    }

    String path() {
        return path;
    }

    /**
     * Runs {@code ip args...}.
     *
     * @throws IOException with what {@code ip} said when it fails
     */
    void run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add(path);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            // wait first: what ip says on failure is a line or two, which the pipe holds meanwhile
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", cmd), e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (p.exitValue() != 0) {
            String said = new String(out, StandardCharsets.UTF_8).strip();
            throw new IOException(said.isEmpty() ? String.join(" ", cmd) + " failed with exit code " + p.exitValue() : said);
        }
    }
}
