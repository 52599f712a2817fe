package io.subutai.p2p.tap.linux.internal;

import java.nio.Buffer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** The few libc calls a TAP device needs, directly mapped (JNA's fastest form). Linux x86-64 and arm64. */
final class LibC {

    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETPERSIST = 0x400454cbL;
    static final long TUNGETIFF = 0x800454d2L;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_TUN_EXCL = (short) 0x8000;
    static final short IFF_VNET_HDR = 0x4000;
    static final short IFF_PERSIST = 0x0800;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    static final int TUN_F_TSO_ECN = 0x08;
    static final int IFNAMSIZ = 16;
    /** {@code struct ifreq}: the name, then a 24-byte union (sockaddr, int, short...) on 64-bit Linux. */
    static final int IFREQ = 40;

    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final long SIOCGIFFLAGS = 0x8913L;
    static final long SIOCGIFADDR = 0x8915L;
    static final long SIOCGIFNETMASK = 0x891bL;
    static final long SIOCGIFMTU = 0x8921L;
    static final long SIOCGIFHWADDR = 0x8927L;
    static final short IFF_UP = 0x1;

    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int EBADFD = 77;

    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    /** A {@code struct ifreq} naming the interface, the rest zero. */
    static byte[] ifreq(String name) {
        byte[] ifr = new byte[IFREQ];
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, ifr, 0, n.length);
        return ifr;
    }

    /** Does nothing but make sure the natives are bound (class initialisation). */
    static void load() {
        // the static initialiser did the work
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int ioctl(int fd, long request, byte[] argument) throws LastErrorException;

    /** For requests that take their argument by value (TUNSETOFFLOAD). */
    static native int ioctl(int fd, long request, long argument) throws LastErrorException;

    // The data path: no LastErrorException, whose errno check throws (and allocates) on every
    // EAGAIN; a -1 is answered by poll(2)'s revents instead.

    static native long read(int fd, Buffer buffer, long count);

    static native long write(int fd, Buffer buffer, long count);

    static native int close(int fd) throws LastErrorException;

    /** {@code fds} holds {@code struct pollfd} entries: int fd, short events, short revents. -1 on EINTR. */
    static native int poll(Buffer fds, long count, int timeoutMs);

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int eventfd(int initial, int flags) throws LastErrorException;

    /** Two connected sockets, their descriptors in {@code fds}. */
    static native int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;
}
