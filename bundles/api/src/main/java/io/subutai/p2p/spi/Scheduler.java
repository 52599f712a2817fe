package io.subutai.p2p.spi;

import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A network's control loop and its clock: one thread per network runs its tasks one at a time, in
 * the order they fall due, together with the engine's own timers (handshake retries, keepalives,
 * path probes), so a plugin's task never races the engine's work on the same network. A
 * simulation runs the same code on a virtual clock.
 */
@ProviderType
public interface Scheduler {

    /**
     * Runs {@code task} once after {@code delay} on the network's control loop. Tasks must not
     * block; one that throws is logged with the plugin's name and skipped.
     *
     * @return a handle whose {@code close()} cancels the task if it has not run
     */
    AutoCloseable schedule(Runnable task, long delay, TimeUnit unit);

    /** The loop's monotonic clock, in nanoseconds (as {@link System#nanoTime()}, whose origin is arbitrary). */
    long nanoTime();
}
