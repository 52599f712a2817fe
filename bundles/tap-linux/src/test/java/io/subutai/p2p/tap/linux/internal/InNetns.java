package io.subutai.p2p.tap.linux.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * A network namespace the test creates ({@code p2pt-*}) and a way to run code in it: a thread of
 * its own joins the namespace with setns(2), so the TAP devices it opens and the processes it
 * starts live there, not on the host.
 */
final class InNetns implements AutoCloseable {

    interface C extends Library {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final int CLONE_NEWNET = 0x40000000;
    private static final C LIBC = Native.load("c", C.class);

    final String name;

    InNetns(String purpose) throws IOException, InterruptedException {
        name = "p2pt-" + purpose + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        String out = run("ip", "netns", "add", name);
        run("ip", "-n", name, "link", "set", "lo", "up");
    }

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    /** Runs {@code body} on a new thread inside the namespace and returns its result. */
    <T> T call(Callable<T> body) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int fd = LIBC.open("/var/run/netns/" + name, 0);
            if (fd < 0 || LIBC.setns(fd, CLONE_NEWNET) != 0) {
                result.set(new IOException("cannot enter " + name + ": errno " + Native.getLastError()));
                return;
            }
            LIBC.close(fd);
            try {
                result.set(new Object[] {body.call()});
            } catch (Exception e) {
                result.set(e);
            }
        }, "p2pt-in-" + name);
        t.start();
        t.join();
        Object r = result.get();
        if (r instanceof Exception e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T value = (T) ((Object[]) r)[0];
        return value;
    }

    /** {@code ip -n <ns> args...}: what it printed; fails when it fails. */
    String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(new String[0]));
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("ip", "netns", "del", name);
    }
}
