package io.subutai.p2p.core.internal.mesh;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** What an address is to the mesh, and how users see it. */
public final class Endpoints {

    private Endpoints() {
    }

    /** An endpoint as {@code show} prints it: IPv6 addresses in brackets; null for null. */
    public static String text(InetSocketAddress e) {
        return e == null ? null : (e.getAddress() instanceof Inet6Address
                ? "[" + e.getAddress().getHostAddress() + "]" : e.getAddress().getHostAddress()) + ":" + e.getPort();
    }

    /** Whether {@code a} is on a LAN this host may share: private, link-local, loopback or unique-local. */
    static boolean lan(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        return ip != null && (ip.isSiteLocalAddress() || ip.isLinkLocalAddress() || ip.isLoopbackAddress()
                || ip instanceof Inet6Address && (ip.getAddress()[0] & 0xfe) == 0xfc);
    }
}
