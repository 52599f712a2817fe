package io.subutai.p2p.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace the test creates (named {@code p2pt-*}) with its loopback up, and deletes
 * on close. Everything a test runs in it stays on this machine.
 */
public final class Netns implements AutoCloseable {

    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    public static Netns create(String purpose) throws IOException, InterruptedException {
        String name = "p2pt-" + purpose + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        Result r = exec(List.of("ip", "netns", "add", name));
        if (r.code != 0) {
            throw new IOException("ip netns add " + name + " failed: " + r.err);
        }
        Netns ns = new Netns(name);
        r = exec(List.of("ip", "-n", name, "link", "set", "lo", "up"));
        if (r.code != 0) {
            ns.close();
            throw new IOException("cannot bring lo up in " + name + ": " + r.err);
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /** The command line that runs {@code command} inside this namespace. */
    public List<String> wrap(List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", name));
        out.addAll(command);
        return out;
    }

    /** {@code ip -n <ns> args...}: what it printed; fails when it fails. */
    public String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        Result r = exec(cmd);
        if (r.code != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + r.err);
        }
        return r.out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        exec(List.of("ip", "netns", "del", name));
    }

    /** What a finished command printed and returned. */
    public record Result(int code, String out, String err, long millis) {
    }

    public static Result exec(List<String> command) throws IOException, InterruptedException {
        return exec(command, null);
    }

    public static Result exec(List<String> command, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (env != null) {
            pb.environment().putAll(env);
        }
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        byte[][] errBytes = new byte[1][];
        Thread errReader = new Thread(() -> {
            try {
                errBytes[0] = err.readAllBytes();
            } catch (IOException e) {
                errBytes[0] = new byte[0];
            }
        }, "p2pt-stderr");
        errReader.start();
        byte[] outBytes = out.readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        errReader.join();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        return new Result(p.exitValue(), new String(outBytes, StandardCharsets.UTF_8),
                new String(errBytes[0], StandardCharsets.UTF_8), ms);
    }

    public static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }
}
