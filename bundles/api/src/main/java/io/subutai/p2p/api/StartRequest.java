package io.subutai.p2p.api;

/**
 * The flags of {@code p2p start}, as given (empty strings and 0 mean "not given"); the engine
 * validates them.
 *
 * @param ip      {@code A.B.C.D} (prefix /24), {@code A.B.C.D/NN}, or {@code dhcp}/{@code auto}
 * @param hash    the network's name
 * @param mac     the interface's MAC, or empty for a random {@code 06:..} one
 * @param dev     the interface's name, or empty for the first free {@code vptpN}
 * @param key     a network key
 * @param ttl     Unix time (seconds) until which {@code key} is valid
 * @param keyfile a YAML file with {@code key:} and {@code ttl:}
 * @param port    the instance's UDP port, 0 for any
 * @param ports   a range {@code MIN-MAX} to take the UDP port from
 * @param dht     bootstrap servers, {@code HOST:PORT[,HOST:PORT...]}
 * @param fwd     relays only
 * @param crypto  the crypto suites the network accepts: empty for any (the best that both sides
 *                have is used), {@code pq} for the post-quantum suite only
 *                ({@code noise-ikpsk2-mlkem768}), {@code classic} for {@code noise-ikpsk2} only
 * @param bridge  the interface sits in a Linux bridge with other machines (containers) behind it:
 *                peers let this member send from their MACs too (without it, from its own MAC only)
 * @param proxy   the HTTP CONNECT or SOCKS5 proxy that streams to servers go through ({@code
 *                http://[USER:PASS@]HOST:PORT}, {@code socks5://[USER:PASS@]HOST:PORT}); empty: the
 *                daemon's {@code HTTPS_PROXY}, or none
 */
public record StartRequest(String ip, String hash, String mac, String dev, String key, String ttl, String keyfile,
        int port, String ports, String dht, boolean fwd, String crypto, boolean bridge, String proxy) {

    /** A request without a proxy. */
    public StartRequest(String ip, String hash, String mac, String dev, String key, String ttl, String keyfile,
            int port, String ports, String dht, boolean fwd, String crypto, boolean bridge) {
        this(ip, hash, mac, dev, key, ttl, keyfile, port, ports, dht, fwd, crypto, bridge, "");
    }

    /** A request for an interface that bridges nothing. */
    public StartRequest(String ip, String hash, String mac, String dev, String key, String ttl, String keyfile,
            int port, String ports, String dht, boolean fwd, String crypto) {
        this(ip, hash, mac, dev, key, ttl, keyfile, port, ports, dht, fwd, crypto, false);
    }

    /** A request that accepts any crypto suite. */
    public StartRequest(String ip, String hash, String mac, String dev, String key, String ttl, String keyfile,
            int port, String ports, String dht, boolean fwd) {
        this(ip, hash, mac, dev, key, ttl, keyfile, port, ports, dht, fwd, "");
    }

    public StartRequest {
        ip = ip == null ? "" : ip.trim();
        hash = hash == null ? "" : hash;
        mac = mac == null ? "" : mac.trim();
        dev = dev == null ? "" : dev.trim();
        key = key == null ? "" : key;
        ttl = ttl == null ? "" : ttl.trim();
        keyfile = keyfile == null ? "" : keyfile.trim();
        ports = ports == null ? "" : ports.trim();
        dht = dht == null ? "" : dht.trim();
        crypto = crypto == null ? "" : crypto.trim();
        proxy = proxy == null ? "" : proxy.trim();
    }

    /**
     * This request with the overlay address {@code address} ({@code -ip}) instead of its own.
     *
     * @since 1.8
     */
    public StartRequest withIp(String address) {
        return new StartRequest(address, hash, mac, dev, key, ttl, keyfile, port, ports, dht, fwd, crypto, bridge, proxy);
    }

    /** The minimal request: a network and its address. */
    public static StartRequest of(String hash, String ip) {
        return new StartRequest(ip, hash, "", "", "", "", "", 0, "", "", false);
    }
}
