package io.subutai.p2p.transport.udp.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The MTU this host knows for packets to an address: what {@code getsockopt(IP_MTU)} (IPv6:
 * {@code IPV6_MTU}) says on a UDP socket connected there (the route's device, or a smaller path
 * MTU the kernel learned from ICMP). Nothing is sent: {@code connect} on a datagram socket only
 * picks the route. Linux only; 0 elsewhere, or when the kernel cannot tell.
 */
final class PathMtu {

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_IP = 0;
    private static final int IP_MTU = 14;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_MTU = 24;
    private static final boolean AVAILABLE = load();

    private PathMtu() {
    }

    private static boolean load() {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Native.register(PathMtu.class, Platform.C_LIBRARY_NAME);
            return true;
        } catch (LinkageError e) {
            return false;
        }
    }

    private static native int socket(int domain, int type, int protocol) throws LastErrorException;

    private static native int connect(int fd, byte[] address, int length) throws LastErrorException;

    private static native int getsockopt(int fd, int level, int name, int[] value, int[] length) throws LastErrorException;

    private static native int close(int fd);

    /** The MTU toward {@code to}, or 0 when it cannot be known here. */
    static int to(InetSocketAddress to) {
        InetAddress a = to.getAddress();
        if (!AVAILABLE || a == null) {
            return 0;
        }
        boolean v6 = a instanceof Inet6Address;
        byte[] address = new byte[28]; // struct sockaddr_in or sockaddr_in6: the family in the host's order, the port in the network's
        ByteBuffer sa = ByteBuffer.wrap(address).order(ByteOrder.nativeOrder());
        sa.putShort(0, (short) (v6 ? AF_INET6 : AF_INET));
        sa.put(2, (byte) (to.getPort() >> 8)).put(3, (byte) to.getPort());
        if (a instanceof Inet4Address) {
            sa.put(4, a.getAddress(), 0, 4);
        } else {
            sa.put(8, a.getAddress(), 0, 16).putInt(24, ((Inet6Address) a).getScopeId());
        }
        int[] value = new int[1];
        int fd;
        try {
            fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            return 0;
        }
        try {
            connect(fd, address, v6 ? 28 : 16);
            getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, value, new int[] {4});
            return Math.max(0, value[0]);
        } catch (LastErrorException e) {
            return 0; // no route there, say
        } finally {
            close(fd);
        }
    }
}
