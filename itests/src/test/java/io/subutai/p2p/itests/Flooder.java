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
 * (this protocol version, type 1, the smallest length a suite-1 initiation has, random bytes after the header,
 * so its mac1 is wrong) at a steady rate, from sockets bound to many source addresses in turn.
 * With {@code mac1}, it first reads the target's static key and port from its LAN beacon
 * (docs/protocol.md §6) and gives every initiation a valid mac1 (§4.6), as an attacker who knows the
 * key can; it then counts the COOKIE_REPLY messages that come back. Prints what it sent when done.
 *
 * <p>Usage: {@code Flooder TARGET_IP TARGET_PORT FIRST_SOURCE_IP SOURCES PER_SECOND SECONDS [mac1]};
 * the sources are FIRST_SOURCE_IP and the addresses after it, which must be on an interface here
 * (with {@code mac1}, TARGET_PORT is ignored: the beacon tells it). Needs BouncyCastle on the class
 * path for {@code mac1}.
 */
public final class Flooder {

    /** The smallest HANDSHAKE_INIT: header, index, suite, e, encrypted s, one AEAD offered, mac1, mac2. */
    static final int INIT_MIN = 4 + 4 + 1 + 32 + 32 + 16 + 2 + 16 + 16 + 16;

    private Flooder() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress targetIp = InetAddress.getByName(args[0]);
        byte[] mac1Key = null;
        int targetPort = Integer.parseInt(args[1]);
        if (args.length > 6 && args[6].equals("mac1")) {
            byte[] beacon = beaconOf(targetIp);
            byte[] key = java.util.Arrays.copyOfRange(beacon, 4 + 16, 4 + 16 + 32);
            targetPort = ByteBuffer.wrap(beacon).getShort(4 + 16 + 32) & 0xffff;
            org.bouncycastle.crypto.digests.Blake2sDigest d = new org.bouncycastle.crypto.digests.Blake2sDigest(256);
            byte[] label = "p2p mac1 v3".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            d.update(label, 0, label.length);
            d.update(key, 0, key.length);
            mac1Key = new byte[32];
            d.doFinal(mac1Key, 0);
        }
        InetSocketAddress target = new InetSocketAddress(targetIp, targetPort);
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
        long cookies = 0;
        while (true) {
            long elapsed = System.nanoTime() - start;
            if (elapsed >= nanos) {
                break;
            }
            long due = elapsed * perSecond / 1_000_000_000L;
            for (; sent < due; sent++) {
                r.nextBytes(init);
                init[0] = (byte) io.subutai.p2p.wire.Header.VERSION;
                init[1] = 1; // HANDSHAKE_INIT
                init[2] = 0;
                init[3] = 0;
                init[8] = 1; // suite 1
                if (mac1Key != null) {
                    org.bouncycastle.crypto.digests.Blake2sDigest m = new org.bouncycastle.crypto.digests.Blake2sDigest(mac1Key, 16, null, null);
                    m.update(init, 0, INIT_MIN - 32);
                    m.doFinal(init, INIT_MIN - 32);
                    java.util.Arrays.fill(init, INIT_MIN - 16, INIT_MIN, (byte) 0); // no mac2
                }
                if (channels.get((int) (sent % sources)).send(out.clear(), target) == 0) {
                    failed++;
                }
            }
            cookies += drain(channels, (int) (sent % sources));
            Thread.sleep(1);
        }
        for (int i = 0; i < sources; i++) {
            cookies += drain(channels, i);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("flooder: sent " + sent + " initiations in " + ms + " ms from " + sources + " sources ("
                + (sent * 1000 / Math.max(1, ms)) + "/s, " + failed + " not sent); " + cookies + " cookie replies came back");
        for (DatagramChannel c : channels) {
            c.close();
        }
    }

    /** The COOKIE_REPLY messages (type 3, 52 bytes) waiting at a few of the sockets, read. */
    private static int drain(List<DatagramChannel> channels, int from) throws java.io.IOException {
        int n = 0;
        ByteBuffer in = ByteBuffer.allocate(2048);
        for (int k = 0; k < 10; k++) {
            DatagramChannel c = channels.get((from + k) % channels.size());
            while (c.receive(in.clear()) != null) {
                if (in.position() == 52 && in.get(0) == io.subutai.p2p.wire.Header.VERSION && in.get(1) == 3) {
                    n++;
                }
            }
        }
        return n;
    }

    /** A LAN beacon of the member at {@code ip} (docs/protocol.md §6), as it goes to the group. */
    private static byte[] beaconOf(InetAddress ip) throws java.io.IOException {
        InetAddress group = InetAddress.getByName("239.255.77.77");
        try (java.net.MulticastSocket s = new java.net.MulticastSocket(52525)) {
            s.joinGroup(new InetSocketAddress(group, 52525), java.net.NetworkInterface.getByName("eth0"));
            s.setSoTimeout(10_000);
            byte[] b = new byte[128];
            int size = 4 + 16 + 32 + 2 + 8 + 16; // with its time and tag (§6): the tag is a member's, the key anyone's to read
            while (true) {
                java.net.DatagramPacket p = new java.net.DatagramPacket(b, b.length);
                s.receive(p);
                if (p.getAddress().equals(ip) && p.getLength() == size && b[1] == 5) {
                    return java.util.Arrays.copyOf(b, size);
                }
            }
        }
    }
}
