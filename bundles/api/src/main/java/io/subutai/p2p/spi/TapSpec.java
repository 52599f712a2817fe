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
 */
public record TapSpec(String name, MacAddress mac, int mtu, Ipv4Cidr address) {
}
