package io.subutai.p2p.testing;

import java.time.Duration;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.subutai.p2p.core.internal.mesh.ControlLoop;

/**
 * Time for simulations: one queue of tasks in the order they fall due, run by whoever moves the
 * clock on (the test's thread), never by a real timer. Networks get their control loops from it
 * ({@link #loop}), the simulated network delivers datagrams through it, and the servers tick on
 * it, so seconds of protocol time take milliseconds. The data path's real threads (the meshes'
 * TAP readers) keep running; the clock moves on only when they are done with what they were given
 * ({@link #settlesWhen}). A task that throws fails the simulation where the clock was moved.
 */
public final class VirtualClock {

    private static final Duration REAL_LIMIT = Duration.ofSeconds(60);

    private final class Task implements Comparable<Task>, AutoCloseable {
        final long due;
        final long seq;
        final Runnable body;
        final Loop owner;
        volatile boolean cancelled;

        Task(long due, long seq, Runnable body, Loop owner) {
            this.due = due;
            this.seq = seq;
            this.body = body;
            this.owner = owner;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public void close() {
            cancelled = true;
        }
    }

    /** A network's control loop on this clock. */
    private final class Loop implements ControlLoop {
        volatile boolean closed;

        @Override
        public void execute(Runnable task) {
            add(0, task, this);
        }

        @Override
        public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
            return add(unit.toNanos(delay), task, this);
        }

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long currentTimeMillis() {
            return VirtualClock.this.currentTimeMillis();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>(); // guarded by this
    private long seq; // guarded by this
    private volatile long now;
    private final long wallAtStart;
    private volatile long wallShift;
    private final List<BooleanSupplier> settled = new CopyOnWriteArrayList<>();
    private final Thread driver = Thread.currentThread();
    private volatile RuntimeException failure;

    /**
     * @param wallMillis the wall clock's time when the simulation starts (milliseconds since the epoch)
     */
    public VirtualClock(long wallMillis) {
        this.now = 1_000_000_000_000L; // an arbitrary origin, as System.nanoTime's
        this.wallAtStart = wallMillis - now / 1_000_000;
    }

    public long nanoTime() {
        return now;
    }

    /** The wall clock: it moves with the monotonic clock, and {@link #shiftWall jumps} when told. */
    public long currentTimeMillis() {
        return wallAtStart + now / 1_000_000 + wallShift;
    }

    /** The wall clock jumps by {@code millis} (as a host's clock may); the monotonic clock does not. */
    public void shiftWall(long millis) {
        wallShift += millis;
    }

    /** A control loop for one network: its tasks go into this clock's queue. */
    public ControlLoop loop() {
        return new Loop();
    }

    /** Runs {@code task} once, {@code delayNanos} from now. Any thread. */
    public AutoCloseable schedule(Runnable task, long delayNanos) {
        return add(delayNanos, task, null);
    }

    /** Runs {@code task} every {@code periodNanos}, first {@code periodNanos} from now, until closed. */
    public AutoCloseable every(Runnable task, long periodNanos) {
        return loop().every(task, periodNanos, periodNanos);
    }

    private synchronized Task add(long delay, Runnable body, Loop owner) {
        Task t = new Task(now + Math.max(0, delay), seq++, body, owner);
        queue.add(t);
        return t;
    }

    /** Time moves on only while {@code quiet} holds: the real threads it watches are done with their work. */
    public void settlesWhen(BooleanSupplier quiet) {
        settled.add(quiet);
    }

    private synchronized Task next(long until) {
        Task t = queue.peek();
        if (t == null || t.due > until) {
            return null;
        }
        return queue.poll();
    }

    private synchronized long nextDue() {
        Task t = queue.peek();
        return t == null ? Long.MAX_VALUE : t.due;
    }

    /** Runs every task due by {@code until} in order, each at its time, waiting for the real threads between them. */
    private void runTo(long until) {
        checkDriver();
        while (true) {
            settle();
            Task t = next(until);
            if (t == null) {
                break;
            }
            if (t.due > now) {
                now = t.due;
            }
            if (t.cancelled || t.owner != null && t.owner.closed) {
                continue;
            }
            try {
                t.body.run();
            } catch (RuntimeException | Error e) {
                failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
            if (failure != null) {
                RuntimeException f = failure;
                failure = null;
                throw new AssertionError("a task of the simulation failed at " + now + " ns: " + f, f);
            }
        }
        if (until > now) {
            now = until;
        }
    }

    /** Waits (real time) until the watched real threads are done; the tasks they add meanwhile run at once. */
    private void settle() {
        long deadline = System.nanoTime() + REAL_LIMIT.toNanos();
        while (!quiet()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the simulation's real threads did not settle within " + REAL_LIMIT);
            }
            Thread.yield();
        }
    }

    private boolean quiet() {
        for (BooleanSupplier s : settled) {
            if (!s.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }

    private void checkDriver() {
        if (Thread.currentThread() != driver) {
            throw new IllegalStateException("only the thread that made the clock moves it");
        }
    }

    /**
     * One step: runs what is due now, then moves the clock to the next task's time and runs every
     * task due then (and what they schedule for that moment).
     *
     * @return false when no task is queued (the clock did not move)
     */
    public boolean step() {
        runTo(now);
        long next = nextDue();
        if (next == Long.MAX_VALUE) {
            return false;
        }
        runTo(next);
        return true;
    }

    /** Moves the clock on by {@code d}, running everything that falls due. */
    public void advance(Duration d) {
        runTo(now + d.toNanos());
    }

    /** Runs what is due now (discovery's news, datagrams in flight without delay), and waits for the real threads. */
    public void settleNow() {
        runTo(now);
    }

    /**
     * Moves the clock on, from one task to the next, until {@code done} holds or {@code within}
     * of simulated time has passed.
     *
     * @return whether {@code done} held
     */
    public boolean runUntil(BooleanSupplier done, Duration within) {
        long deadline = now + within.toNanos();
        long realDeadline = System.nanoTime() + REAL_LIMIT.toNanos();
        while (true) {
            runTo(now);
            if (done.getAsBoolean()) {
                return true;
            }
            if (nextDue() > deadline || System.nanoTime() > realDeadline) {
                runTo(Math.max(now, deadline));
                return done.getAsBoolean();
            }
            step();
        }
    }

    /**
     * Moves the clock on until {@code done} holds; fails naming {@code what} (and {@code state},
     * to explain) when it does not within {@code within} of simulated time.
     *
     * @return how long it took, in simulated time
     */
    public Duration await(BooleanSupplier done, Duration within, String what, Supplier<String> state) {
        long start = now;
        if (!runUntil(done, within)) {
            throw new AssertionError(what + " did not happen within " + within + " of simulated time\n" + state.get());
        }
        return Duration.ofNanos(now - start);
    }

    /** {@link #await} without a state to explain a failure. */
    public Duration await(BooleanSupplier done, Duration within, String what) {
        return await(done, within, what, () -> "");
    }

    /** Fails unless {@code holds} holds at every task for {@code during} of simulated time. */
    public void holds(BooleanSupplier holds, Duration during, String what) {
        long end = now + during.toNanos();
        while (true) {
            runTo(now);
            if (!holds.getAsBoolean()) {
                throw new AssertionError(what + " stopped holding after " + Duration.ofNanos(now - (end - during.toNanos())));
            }
            if (nextDue() > end) {
                runTo(end);
                if (!holds.getAsBoolean()) {
                    throw new AssertionError(what + " stopped holding at the end");
                }
                return;
            }
            step();
        }
    }
}
