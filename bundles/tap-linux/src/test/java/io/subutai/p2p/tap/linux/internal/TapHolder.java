package io.subutai.p2p.tap.linux.internal;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.TapSpec;

/**
 * A daemon to kill: opens the TAP interface named by the first argument (with the address of the
 * second), says {@code open}, and holds it until it is killed.
 */
public final class TapHolder {

    private TapHolder() {
    }

    public static void main(String[] args) throws Exception {
        new LinuxTapDriver(LinuxTapDriverTest.config("", true))
                .open(new TapSpec(args[0], MacAddress.parse("06:aa:bb:cc:dd:02"), 1500, Ipv4Cidr.parse(args[1])));
        System.out.println("open");
        System.out.flush();
        System.in.read(); // until killed (or the test's end of the pipe goes)
    }
}
