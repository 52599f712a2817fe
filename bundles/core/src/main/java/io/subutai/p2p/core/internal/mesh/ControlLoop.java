package io.subutai.p2p.core.internal.mesh;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.subutai.p2p.spi.Scheduler;

/**
 * A network's one control loop and its clocks: everything that is not the data path (the tick,
 * handshakes, discovery's news, the transports' and discovery providers' timers) runs here, one
 * task at a time. {@link ThreadLoop} is the daemon's; a simulation's runs on a virtual clock.
 */
public interface ControlLoop extends Scheduler, Executor, AutoCloseable {

    /** The wall clock, in milliseconds since the epoch: key validity, handshake timestamps, history. */
    long currentTimeMillis();

    /**
     * Runs {@code task} after {@code delayNanos}, then every {@code periodNanos} after each run
     * ended, until the returned handle is closed.
     */
    default AutoCloseable every(Runnable task, long delayNanos, long periodNanos) {
        return new Repeating(this, task, periodNanos).start(delayNanos);
    }

    /** Stops the loop: tasks not run yet never run. */
    @Override
    void close();

    /** A task that schedules itself again after each run. */
    final class Repeating implements AutoCloseable, Runnable {
        private final Scheduler scheduler;
        private final Runnable task;
        private final long period;
        private volatile boolean cancelled;
        private volatile AutoCloseable next;

        Repeating(Scheduler scheduler, Runnable task, long period) {
            this.scheduler = scheduler;
            this.task = task;
            this.period = period;
        }

        Repeating start(long delay) {
            next = scheduler.schedule(this, delay, TimeUnit.NANOSECONDS);
            return this;
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            try {
                task.run();
            } finally {
                if (!cancelled) {
                    next = scheduler.schedule(this, period, TimeUnit.NANOSECONDS);
                }
            }
        }

        @Override
        public void close() throws Exception {
            cancelled = true;
            AutoCloseable n = next;
            if (n != null) {
                n.close();
            }
        }
    }
}
