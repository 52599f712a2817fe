package io.subutai.p2p.itests;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition that nothing signals (threads ending, a process answering) by polling it. */
public final class Await {

    private static final long POLL_MS = 10;

    private Await() {
    }

    /**
     * @return true as soon as {@code condition} holds, false when {@code timeout} passed without it
     */
    public static boolean until(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL_MS); // polling interval: there is no event to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Like {@link #until}, but fails with {@code message()} when the time runs out. */
    public static void require(BooleanSupplier condition, Duration timeout, Supplier<String> message) {
        if (!until(condition, timeout)) {
            throw new AssertionError(message.get());
        }
    }
}
