package io.subutai.p2p.api;

/**
 * The flags of {@code p2p set}; empty strings mean "not given".
 *
 * @param log  a new log level
 * @param ip   a new overlay IP for {@code hash}
 * @param hash the network to change
 * @param key  a key to add to the network's key queue
 * @param ttl  Unix time until which {@code key} is valid (empty: no limit)
 */
public record SetRequest(String log, String ip, String hash, String key, String ttl) {

    public SetRequest {
        log = log == null ? "" : log.trim();
        ip = ip == null ? "" : ip.trim();
        hash = hash == null ? "" : hash;
        key = key == null ? "" : key;
        ttl = ttl == null ? "" : ttl.trim();
    }
}
