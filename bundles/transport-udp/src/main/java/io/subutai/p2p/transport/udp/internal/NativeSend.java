package io.subutai.p2p.transport.udp.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * Sends on the socket's descriptor from the calling thread, with {@code sendmsg(2)}: no hand-off
 * to the event loop (a thread wake-up per packet, the largest part of a small packet's latency)
 * and no copy when the data is in a direct buffer. A run of equal-sized datagrams to one address
 * leaves in one call with UDP GSO ({@code UDP_SEGMENT}, Linux 4.18+); where the kernel refuses
 * it, one call each. When the socket's buffer is full the caller waits, at most {@link
 * #FULL_WAIT_MS} each time, for room: the back-pressure a sender should feel. Linux x86-64 and
 * arm64 (LP64 layouts). Thread-safe: one sender at a time.
 *
 * <p>IPv4 datagrams leave without the don't-fragment bit ({@code IP_PMTUDISC_DONT}): a router
 * before a narrower link fragments them rather than dropping them, silently where ICMP is
 * filtered. Keeping them small enough that it need not is the path MTU probes' work, the one kind
 * sent with the bit ({@link #sendUnfragmented}).
 */
final class NativeSend {

    static final int FULL_WAIT_MS = 100;
    /** The most a GSO call may carry: an IP packet's limit, less the IPv6/IPv4 and UDP headers. */
    static final int GSO_MAX_BYTES = 65_000;
    static final int GSO_MAX_SEGMENTS = 64;

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOL_SOCKET = 1;
    private static final int SO_DOMAIN = 39;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int MSG_DONTWAIT = 0x40;
    private static final short POLLOUT = 0x4;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int IPPROTO_IP = 0;
    private static final int IP_MTU_DISCOVER = 10;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_MTU_DISCOVER = 23;
    /** IP_PMTUDISC_DONT: never set DF. */
    private static final int PMTUDISC_DONT = 0;
    /** IP_PMTUDISC_PROBE (and IPV6_'s): set DF, ignore the path MTU learned. */
    private static final int PMTUDISC_PROBE = 3;
    /** After a failed GSO call, runs go one call per datagram for this long, doubling up to {@link #GSO_BACKOFF_MAX_NS}. */
    private static final long GSO_BACKOFF_NS = 1_000_000_000L;
    private static final long GSO_BACKOFF_MAX_NS = 64_000_000_000L;

    // struct msghdr (56) | sockaddr_in6 (28, at 64) | struct iovec (16, at 96) | cmsghdr + u16 (24, at 112)
    private static final int NAME = 64;
    private static final int IOV = 96;
    private static final int CONTROL = 112;
    private static final int CONTROL_SPACE = 24;

    static {
        Native.register(NativeSend.class, Platform.C_LIBRARY_NAME);
    }

    private static native long sendmsg(int fd, long msghdr, int flags) throws LastErrorException;

    private static native int poll(Buffer fds, long count, int timeoutMs);

    private static native int getsockopt(int fd, int level, int name, Buffer value, Buffer length) throws LastErrorException;

    private static native int setsockopt(int fd, int level, int name, int[] value, int length) throws LastErrorException;

    private final int fd;
    private final boolean ipv6Socket;
    private final ByteBuffer msg = ByteBuffer.allocateDirect(144).order(ByteOrder.nativeOrder());
    private final long msgAddress = address(msg);
    private final ByteBuffer pollFd = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final ByteBuffer copy = ByteBuffer.allocateDirect(65_536);
    private final long copyAddress = address(copy);
    private volatile boolean gso = true;
    /** When GSO is tried again after a failure (a segment longer than the path MTU the kernel learned, or a kernel without it). */
    private long gsoRetryAt;
    private long gsoBackoff = GSO_BACKOFF_NS;
    private long dropped;
    /** getsockopt's value and length; under the lock. */
    private final ByteBuffer optValue = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
    private final ByteBuffer optLength = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
    private static final int[] PROBE_MODE = {PMTUDISC_PROBE};
    /** The IPv4 and IPv6 modes data leaves with, as {@link #on} left them: put back after each probe. */
    private final int[][] dataMode = new int[2][1];

    private NativeSend(int fd, boolean ipv6Socket) {
        this.fd = fd;
        this.ipv6Socket = ipv6Socket;
        msg.putLong(0, msgAddress + NAME);
        msg.putLong(16, msgAddress + IOV);
        msg.putLong(24, 1);
        pollFd.putInt(0, fd).putShort(4, POLLOUT);
        dataMode[0][0] = option(IPPROTO_IP, IP_MTU_DISCOVER);
        dataMode[1][0] = ipv6Socket ? option(IPPROTO_IPV6, IPV6_MTU_DISCOVER) : 0;
    }

    private int option(int level, int name) {
        optLength.putInt(0, 4);
        getsockopt(fd, level, name, optValue, optLength);
        return optValue.getInt(0);
    }

    /** A sender on {@code fd}, or null when native calls are not possible here. */
    static NativeSend on(int fd) {
        if (!Platform.isLinux() || !Platform.is64Bit()) {
            return null;
        }
        try {
            ByteBuffer value = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            ByteBuffer length = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, 4);
            getsockopt(fd, SOL_SOCKET, SO_DOMAIN, value, length);
            int domain = value.getInt(0);
            if (domain != AF_INET && domain != AF_INET6) {
                return null;
            }
            try {
                setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, new int[] {PMTUDISC_DONT}, 4);
            } catch (LastErrorException e) {
                // the kernel's default stays: DF on what fits the path MTU it knows
            }
            return new NativeSend(fd, domain == AF_INET6);
        } catch (LastErrorException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            return null;
        }
    }

    /** Datagrams the kernel did not take (its buffer stayed full, or the route failed). */
    synchronized long dropped() {
        return dropped;
    }

    boolean gso() {
        return gso;
    }

    /** The socket's IPv4 path MTU discovery mode ({@code IP_MTU_DISCOVER}): 0 (don't fragment never set) after {@link #on}. */
    synchronized int mtuDiscover() {
        return option(IPPROTO_IP, IP_MTU_DISCOVER);
    }

    /**
     * Sends one datagram with the don't-fragment bit, whatever path MTU the kernel learned
     * ({@code IP_PMTUDISC_PROBE} for this call, under the lock every send takes, so no other
     * datagram leaves with it). False when the socket refused the option: nothing was sent.
     */
    synchronized boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
        if (!address(to)) {
            return false;
        }
        boolean v6 = to.getAddress() instanceof Inet6Address;
        int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
        int name = v6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER;
        try {
            setsockopt(fd, level, name, PROBE_MODE, 4);
        } catch (LastErrorException e) {
            return false;
        }
        try {
            sendLocked(datagram, datagram.remaining(), 0, false); // one the kernel refused (larger than the interface) is no data lost
        } finally {
            try {
                setsockopt(fd, level, name, dataMode[v6 ? 1 : 0], 4);
            } catch (LastErrorException e) {
                // as it was set a moment ago: not expected
            }
        }
        return true;
    }

    /** Sends the bytes from position to limit as one datagram. */
    synchronized void send(InetSocketAddress to, ByteBuffer datagram) {
        if (!address(to)) {
            dropped++;
            return;
        }
        sendLocked(datagram, datagram.remaining(), 0, true);
    }

    /** Sends position to limit as datagrams of {@code segment} bytes each, the last possibly shorter. */
    synchronized void sendSegments(InetSocketAddress to, ByteBuffer data, int segment) {
        if (!address(to)) {
            dropped += (data.remaining() + segment - 1) / segment;
            return;
        }
        ByteBuffer d = data.duplicate();
        int perCall = Math.max(1, Math.min(GSO_MAX_SEGMENTS, GSO_MAX_BYTES / segment));
        if (!gso && System.nanoTime() - gsoRetryAt >= 0) {
            gso = true;
        }
        while (d.hasRemaining()) {
            int len = Math.min(d.remaining(), gso ? perCall * segment : segment);
            ByteBuffer part = d.slice(d.position(), len);
            if (!sendLocked(part, len, len > segment ? segment : 0, true) && len > segment) {
                // this kernel refuses UDP_SEGMENT, or the segments exceed a path MTU it learned
                // (until the sender shrinks them): one call each for a while, then GSO again
                gso = false;
                gsoRetryAt = System.nanoTime() + gsoBackoff;
                gsoBackoff = Math.min(GSO_BACKOFF_MAX_NS, gsoBackoff * 2);
                continue;
            }
            if (len > segment) {
                gsoBackoff = GSO_BACKOFF_NS;
            }
            d.position(d.position() + len);
        }
    }

    /**
     * @param counted whether what the kernel does not take counts in {@link #dropped}
     * @return false only when a GSO call failed for a reason other than a full buffer
     */
    private boolean sendLocked(ByteBuffer data, int len, int segment, boolean counted) {
        long base;
        if (data.isDirect()) {
            base = address(data) + data.position();
        } else if (len > copy.capacity()) {
            dropped += counted ? 1 : 0;
            return true;
        } else {
            copy.clear();
            copy.put(data.duplicate());
            base = copyAddress;
        }
        msg.putLong(IOV, base).putLong(IOV + 8, len);
        if (segment > 0) {
            msg.putLong(32, msgAddress + CONTROL).putLong(40, CONTROL_SPACE);
            msg.putLong(CONTROL, 18).putInt(CONTROL + 8, SOL_UDP).putInt(CONTROL + 12, UDP_SEGMENT)
                    .putShort(CONTROL + 16, (short) segment);
        } else {
            msg.putLong(32, 0).putLong(40, 0);
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                sendmsg(fd, msgAddress, MSG_DONTWAIT);
                return true;
            } catch (LastErrorException e) {
                int errno = e.getErrorCode();
                if (errno == EAGAIN) {
                    pollFd.putShort(6, (short) 0);
                    poll(pollFd, 1, FULL_WAIT_MS);
                } else if (errno != EINTR) {
                    if (segment > 0) {
                        return false;
                    }
                    break;
                }
            }
        }
        dropped += counted ? segment > 0 ? (len + segment - 1) / segment : 1 : 0;
        return true;
    }

    /** Writes {@code to} as the message's sockaddr; false when the socket cannot reach that family. */
    private boolean address(InetSocketAddress to) {
        InetAddress a = to.getAddress();
        if (a == null) {
            return false;
        }
        byte[] raw = a.getAddress();
        int port = to.getPort();
        if (!ipv6Socket) {
            if (!(a instanceof Inet4Address)) {
                return false;
            }
            msg.putShort(NAME, (short) AF_INET);
            msg.put(NAME + 2, (byte) (port >> 8)).put(NAME + 3, (byte) port);
            msg.put(NAME + 4, raw, 0, 4);
            msg.putLong(NAME + 8, 0);
            msg.putInt(8, 16);
            return true;
        }
        msg.putShort(NAME, (short) AF_INET6);
        msg.put(NAME + 2, (byte) (port >> 8)).put(NAME + 3, (byte) port);
        msg.putInt(NAME + 4, 0);
        if (a instanceof Inet6Address v6) {
            msg.put(NAME + 8, raw, 0, 16);
            msg.putInt(NAME + 24, v6.getScopeId());
        } else {
            msg.putLong(NAME + 8, 0).putShort(NAME + 16, (short) 0).putShort(NAME + 18, (short) -1);
            msg.put(NAME + 20, raw, 0, 4);
            msg.putInt(NAME + 24, 0);
        }
        msg.putInt(8, 28);
        return true;
    }

    private static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }
}
