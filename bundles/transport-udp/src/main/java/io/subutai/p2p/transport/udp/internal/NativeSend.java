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

    private final int fd;
    private final boolean ipv6Socket;
    private final ByteBuffer msg = ByteBuffer.allocateDirect(144).order(ByteOrder.nativeOrder());
    private final long msgAddress = address(msg);
    private final ByteBuffer pollFd = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final ByteBuffer copy = ByteBuffer.allocateDirect(65_536);
    private final long copyAddress = address(copy);
    private volatile boolean gso = true;
    private long dropped;

    private NativeSend(int fd, boolean ipv6Socket) {
        this.fd = fd;
        this.ipv6Socket = ipv6Socket;
        msg.putLong(0, msgAddress + NAME);
        msg.putLong(16, msgAddress + IOV);
        msg.putLong(24, 1);
        pollFd.putInt(0, fd).putShort(4, POLLOUT);
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

    /** Sends the bytes from position to limit as one datagram. */
    synchronized void send(InetSocketAddress to, ByteBuffer datagram) {
        if (!address(to)) {
            dropped++;
            return;
        }
        sendLocked(datagram, datagram.remaining(), 0);
    }

    /** Sends position to limit as datagrams of {@code segment} bytes each, the last possibly shorter. */
    synchronized void sendSegments(InetSocketAddress to, ByteBuffer data, int segment) {
        if (!address(to)) {
            dropped += (data.remaining() + segment - 1) / segment;
            return;
        }
        ByteBuffer d = data.duplicate();
        int perCall = Math.max(1, Math.min(GSO_MAX_SEGMENTS, GSO_MAX_BYTES / segment));
        while (d.hasRemaining()) {
            int len = Math.min(d.remaining(), gso ? perCall * segment : segment);
            ByteBuffer part = d.slice(d.position(), len);
            if (!sendLocked(part, len, len > segment ? segment : 0) && len > segment) {
                gso = false; // this kernel or route refuses UDP_SEGMENT: one call each from now on
                continue;
            }
            d.position(d.position() + len);
        }
    }

    /** @return false only when a GSO call failed for a reason other than a full buffer */
    private boolean sendLocked(ByteBuffer data, int len, int segment) {
        long base;
        if (data.isDirect()) {
            base = address(data) + data.position();
        } else if (len > copy.capacity()) {
            dropped++;
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
        dropped += segment > 0 ? (len + segment - 1) / segment : 1;
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
