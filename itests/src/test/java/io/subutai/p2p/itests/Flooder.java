package io.subutai.p2p.itests;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A handshake flood, run as a process of its own in a namespace: garbage shaped as HANDSHAKE_INIT
 * (version 3, type 1, the smallest length a suite-1 initiation has, random bytes after the header,
 * so its mac1 is wrong) at a steady rate, from sockets bound to many source addresses in turn.
 * Prints what it sent when done.
 *
 * <p>Usage: {@code Flooder TARGET_IP TARGET_PORT FIRST_SOURCE_IP SOURCES PER_SECOND SECONDS}; the
 * sources are FIRST_SOURCE_IP and the addresses after it, which must be on an interface here.
 */
public final class Flooder {

    /** The smallest HANDSHAKE_INIT: header, index, suite, e, encrypted s, one AEAD offered, mac1, mac2. */
    static final int INIT_MIN = 4 + 4 + 1 + 32 + 32 + 16 + 2 + 16 + 16 + 16;

    private Flooder() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        byte[] first = InetAddress.getByName(args[2]).getAddress();
        int sources = Integer.parseInt(args[3]);
        int perSecond = Integer.parseInt(args[4]);
        long nanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[5]));
        List<DatagramChannel> channels = new ArrayList<>();
        int base = ByteBuffer.wrap(first).getInt();
        for (int i = 0; i < sources; i++) {
            DatagramChannel c = DatagramChannel.open();
            c.bind(new InetSocketAddress(InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(base + i).array()), 0));
            c.configureBlocking(false);
            channels.add(c);
        }
        Random r = new Random();
        byte[] init = new byte[INIT_MIN];
        ByteBuffer out = ByteBuffer.wrap(init);
        long start = System.nanoTime();
        long sent = 0;
        long failed = 0;
        while (true) {
            long elapsed = System.nanoTime() - start;
            if (elapsed >= nanos) {
                break;
            }
            long due = elapsed * perSecond / 1_000_000_000L;
            for (; sent < due; sent++) {
                r.nextBytes(init);
                init[0] = 3; // version
                init[1] = 1; // HANDSHAKE_INIT
                init[2] = 0;
                init[3] = 0;
                init[8] = 1; // suite 1
                if (channels.get((int) (sent % sources)).send(out.clear(), target) == 0) {
                    failed++;
                }
            }
            Thread.sleep(1);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("flooder: sent " + sent + " initiations in " + ms + " ms from " + sources + " sources ("
                + (sent * 1000 / Math.max(1, ms)) + "/s, " + failed + " not sent)");
        for (DatagramChannel c : channels) {
            c.close();
        }
    }
}
