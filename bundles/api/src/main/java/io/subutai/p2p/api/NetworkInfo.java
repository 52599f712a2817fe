package io.subutai.p2p.api;

/**
 * One network (instance) as {@code show} lists it.
 *
 * @param hash          the network's shared name
 * @param mac           the TAP interface's MAC, {@code 06:..} form
 * @param ip            the overlay IPv4 address, dotted
 * @param prefix        the overlay network's prefix length
 * @param interfaceName the TAP interface's name, e.g. {@code vptp1}
 */
public record NetworkInfo(String hash, String mac, String ip, int prefix, String interfaceName) {
}
