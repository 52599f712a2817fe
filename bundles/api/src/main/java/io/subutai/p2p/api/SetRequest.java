package io.subutai.p2p.api;

/**
 * The flags of {@code p2p set}; empty strings mean "not given".
 *
 * @param log  a new log level
 * @param ip   a new overlay IP for {@code hash}
 * @param hash the network to change
 * @param key  a key to add to the network's key queue
 * @param ttl  Unix time until which {@code key} is valid (empty: no limit)
 * @param revoke the peer ID of a member of {@code hash} to refuse for good
 */
public record SetRequest(String log, String ip, String hash, String key, String ttl, String revoke) {

    /** A request that revokes nobody. */
    public SetRequest(String log, String ip, String hash, String key, String ttl) {
        this(log, ip, hash, key, ttl, "");
    }

    public SetRequest {
        log = log == null ? "" : log.trim();
        ip = ip == null ? "" : ip.trim();
        hash = hash == null ? "" : hash;
        key = key == null ? "" : key;
        ttl = ttl == null ? "" : ttl.trim();
        revoke = revoke == null ? "" : revoke.trim();
    }
}
