package io.subutai.p2p.core.internal.mesh;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A network's control loop on a thread of its own ({@code p2p-net-NAME}), on the system's clocks.
 * A task that throws is logged and the loop goes on; tasks handed over after {@link #close} are
 * dropped (the network is stopping).
 */
public final class ThreadLoop implements ControlLoop {

    private final ScheduledThreadPoolExecutor executor;
    private final MeshLog log;
    private volatile Thread thread;

    public ThreadLoop(String name, MeshLog log) {
        this.log = log;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "p2p-net-" + name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | LinkageError e) {
                log.warn("A task of " + Thread.currentThread().getName() + " failed: " + e);
            }
        };
    }

    @Override
    public void execute(Runnable task) {
        try {
            executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            // the loop is closing
        }
    }

    @Override
    public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
        try {
            ScheduledFuture<?> f = executor.schedule(guarded(task), delay, unit);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> { };
        }
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    /** Stops the thread, waiting up to 2 s for the task that runs (not when called from that task). */
    @Override
    public void close() {
        executor.shutdownNow();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                log.warn("The control loop of a network did not stop within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
