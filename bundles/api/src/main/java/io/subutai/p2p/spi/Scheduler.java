package io.subutai.p2p.spi;

import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ProviderType;

/** The engine's timer wheel: one control thread for every retry and keepalive, not a task per peer. */
@ProviderType
public interface Scheduler {

    /**
     * Runs {@code task} once after {@code delay} on the control thread.
     *
     * @return a handle whose {@code close()} cancels the task if it has not run
     */
    AutoCloseable schedule(Runnable task, long delay, TimeUnit unit);
}
