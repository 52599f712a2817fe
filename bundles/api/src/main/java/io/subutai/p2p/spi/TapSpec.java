package io.subutai.p2p.spi;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;

/**
 * What a TAP interface should be.
 *
 * @param name    the interface name, or a pattern with {@code %d} (e.g. {@code vptp%d}) for the
 *                first free number from 1
 * @param mac     its hardware address
 * @param mtu     its MTU
 * @param address its overlay IPv4 address and prefix, or null to leave it unaddressed
 * @param adopt   whether an interface of exactly this name that nobody holds (one a driver
 *                {@linkplain TapDevice#release released}, or a crashed daemon left) is taken over
 *                as it is (index, addresses, routes, bridge kept; MAC, MTU and address set as
 *                this spec says) instead of refused; none there: one is made as usual
 */
public record TapSpec(String name, MacAddress mac, int mtu, Ipv4Cidr address, boolean adopt) {

    /** A new interface; a name in use is refused. */
    public TapSpec(String name, MacAddress mac, int mtu, Ipv4Cidr address) {
        this(name, mac, mtu, address, false);
    }

    /** The same spec, taking over an interface of this name that nobody holds. */
    public TapSpec adopting() {
        return new TapSpec(name, mac, mtu, address, true);
    }
}
