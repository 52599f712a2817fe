package io.subutai.p2p.launcher;

import java.io.IOException;
import java.nio.file.Path;

import io.subutai.p2p.wire.ListenAddress;

/**
 * {@code -metrics ADDR:PORT} and {@code -metrics-token FILE}, as the daemon and the servers take
 * them: checked before anything starts (without loading the metrics' own classes, which the
 * daemon's class path does not hold).
 */
final class MetricsFlags {

    private MetricsFlags() {
    }

    /** What is wrong with the two flags; null when nothing is (or they are not given). */
    static String problem(Parsed p) {
        if (p.has("metrics")) {
            try {
                ListenAddress.parse(p.string("metrics"));
            } catch (IllegalArgumentException e) {
                return "Invalid -metrics " + e.getMessage();
            }
        }
        if (p.has("metrics-token")) {
            Path token = token(p);
            if (!p.has("metrics")) {
                return "-metrics-token needs -metrics ADDR:PORT";
            }
            try {
                io.subutai.p2p.wire.BearerToken.read(token); // the rule the endpoint reads it by
            } catch (IOException e) {
                return "-metrics-token " + e.getMessage();
            }
        }
        return null;
    }

    /** The token file, absolute. */
    static Path token(Parsed p) {
        return Path.of(p.string("metrics-token")).toAbsolutePath();
    }
}
