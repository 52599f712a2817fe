package io.subutai.p2p.tap.linux.internal;

import java.util.Arrays;

import com.sun.jna.LastErrorException;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;

/**
 * What the kernel says an interface is now: its MAC, MTU, whether it is up, and its first IPv4
 * address. Read with ioctls on a socket, which answer for the caller's network namespace (a thread
 * that joined one with setns sees its own; {@code /sys} shows the namespace it was mounted in),
 * and in microseconds, where an {@code ip} process takes milliseconds.
 *
 * @param address the first ("primary") IPv4 address and its prefix, or null when it has none
 */
record LinkState(MacAddress mac, int mtu, boolean up, Ipv4Cidr address) {

    /** The interface as it is now, or null when it cannot be read (it has just gone, or no socket). */
    static LinkState of(String name) {
        int socket;
        try {
            socket = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            return null;
        }
        try {
            byte[] ifr = LibC.ifreq(name);
            LibC.ioctl(socket, LibC.SIOCGIFHWADDR, ifr);
            MacAddress mac = MacAddress.of(Arrays.copyOfRange(ifr, 18, 24)); // sockaddr: family, then the bytes
            LibC.ioctl(socket, LibC.SIOCGIFMTU, ifr = LibC.ifreq(name));
            int mtu = ifr[16] & 255 | (ifr[17] & 255) << 8 | (ifr[18] & 255) << 16 | (ifr[19] & 255) << 24;
            LibC.ioctl(socket, LibC.SIOCGIFFLAGS, ifr = LibC.ifreq(name));
            boolean up = (ifr[16] & LibC.IFF_UP) != 0;
            return new LinkState(mac, mtu, up, address(socket, name));
        } catch (LastErrorException e) {
            return null;
        } finally {
            try {
                LibC.close(socket);
            } catch (LastErrorException ignored) {
                // nothing else to release
            }
        }
    }

    /** Whether MAC, MTU and link state already are what they should be. */
    boolean is(MacAddress wantedMac, int wantedMtu) {
        return up && mtu == wantedMtu && mac.equals(wantedMac);
    }

    private static Ipv4Cidr address(int socket, String name) {
        try {
            byte[] ifr = LibC.ifreq(name);
            LibC.ioctl(socket, LibC.SIOCGIFADDR, ifr);
            int ip = inAddr(ifr);
            LibC.ioctl(socket, LibC.SIOCGIFNETMASK, ifr = LibC.ifreq(name));
            return new Ipv4Cidr(ip, Integer.bitCount(inAddr(ifr)));
        } catch (LastErrorException e) {
            return null; // EADDRNOTAVAIL: no IPv4 address
        }
    }

    /** The IPv4 address of the {@code sockaddr_in} in an answer, big-endian as {@link Ipv4Cidr} keeps it. */
    private static int inAddr(byte[] ifr) {
        return (ifr[20] & 255) << 24 | (ifr[21] & 255) << 16 | (ifr[22] & 255) << 8 | ifr[23] & 255;
    }
}
