package io.subutai.p2p.core.internal.mesh;

/** Where the mesh reports: what changes at info, what goes wrong at warn, repeats and detail at debug. */
public interface MeshLog {

    void info(String message);

    void warn(String message);

    void debug(String message);

    /** Says nothing (benchmarks, tests that keep no log). */
    MeshLog NONE = new MeshLog() {
        @Override
        public void info(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public void debug(String message) {
        }
    };
}
