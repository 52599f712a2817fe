package io.subutai.p2p.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Traffic that flows the whole time: {@code ping} every 10 ms from one namespace to an overlay
 * address, every reply's sequence number kept. The longest run of sequence numbers without a
 * reply, times the interval, is the traffic gap a user would notice.
 */
final class Pinger implements AutoCloseable {

    static final int INTERVAL_MS = 10;
    private static final Pattern SEQ = Pattern.compile("icmp_seq=(\\d+)");

    private final Process process;
    private final Thread reader;
    private final TreeSet<Integer> replies = new TreeSet<>(); // guarded by itself

    Pinger(Netns from, String ip) throws IOException {
        process = new ProcessBuilder(from.wrap(List.of("ping", "-n", "-i", "0.01", "-W", "1", ip)))
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        reader = new Thread(this::read, "p2pt-pinger");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                Matcher m = SEQ.matcher(line);
                if (m.find() && line.contains("bytes from")) {
                    synchronized (replies) {
                        replies.add(Integer.parseInt(m.group(1)));
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Replies so far. */
    int replies() {
        synchronized (replies) {
            return replies.size();
        }
    }

    /** The highest sequence number answered so far (0: none). */
    int last() {
        synchronized (replies) {
            return replies.isEmpty() ? 0 : replies.last();
        }
    }

    /** Waits until {@code n} more replies than now have come, or {@code seconds} passed. */
    boolean awaitMore(int n, int seconds) {
        int target = replies() + n;
        return Await.until(() -> replies() >= target, java.time.Duration.ofSeconds(seconds));
    }

    /** The longest time without replies after {@code fromSeq}: the missing run, times the interval, in ms. */
    long longestGapMs(int fromSeq) {
        synchronized (replies) {
            int worst = 0;
            Integer prev = null;
            for (int s : replies.tailSet(fromSeq)) {
                if (prev != null) {
                    worst = Math.max(worst, s - prev - 1);
                }
                prev = s;
            }
            return (long) worst * INTERVAL_MS;
        }
    }

    /** Replies missing after {@code fromSeq}, up to the last one answered. */
    int lostSince(int fromSeq) {
        synchronized (replies) {
            if (replies.isEmpty() || replies.last() < fromSeq) {
                return 0;
            }
            return replies.last() - fromSeq + 1 - replies.tailSet(fromSeq).size();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
        reader.join(2000);
    }
}
