package io.subutai.p2p.api;

/**
 * The flags of {@code p2p stop}.
 *
 * @param hash the network to stop, or empty
 * @param dev  with no hash: an interface name to forget from the daemon's history
 */
public record StopRequest(String hash, String dev) {

    public StopRequest {
        hash = hash == null ? "" : hash;
        dev = dev == null ? "" : dev.trim();
    }
}
