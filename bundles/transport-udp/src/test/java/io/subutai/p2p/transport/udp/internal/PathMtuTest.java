package io.subutai.p2p.transport.udp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class PathMtuTest {

    /** The loopback interface's MTU, as the kernel shows it. */
    private static int loopbackMtu() throws Exception {
        return Integer.parseInt(Files.readString(Path.of("/sys/class/net/lo/mtu")).strip());
    }

    @Test
    void theMtuTowardAnAddressIsItsRoutesDevicesAndNothingIsSent() throws Exception {
        int lo = loopbackMtu();
        assertEquals(Math.min(lo, 65535), PathMtu.to(new InetSocketAddress("127.0.0.1", 9)), "the loopback's (IPv4 caps it)");
        assertEquals(lo, PathMtu.to(new InetSocketAddress("::1", 9)), "IPv6 too");
    }

    @Test
    void anUnresolvedAddressIsUnknown() {
        assertEquals(0, PathMtu.to(InetSocketAddress.createUnresolved("host.invalid", 9)));
    }
}
