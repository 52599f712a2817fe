package io.subutai.p2p.testing;

import java.util.List;

import io.subutai.p2p.core.internal.mesh.MeshLog;

/** Logs for simulations: what a network reports, kept in a list the test can show when it fails. */
public final class Logs {

    private Logs() {
    }

    /** A log that adds each info and warn line, after {@code name}, to {@code lines} (debug lines are dropped). */
    public static MeshLog into(List<String> lines, String name) {
        return new MeshLog() {
            @Override
            public void info(String message) {
                lines.add(name + ": " + message);
            }

            @Override
            public void warn(String message) {
                lines.add(name + " WARN: " + message);
            }

            @Override
            public void debug(String message) {
            }
        };
    }
}
