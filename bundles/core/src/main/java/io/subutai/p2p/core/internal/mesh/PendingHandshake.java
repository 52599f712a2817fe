package io.subutai.p2p.core.internal.mesh;

import io.subutai.p2p.spi.Handshake;

/**
 * A handshake this node began with a peer, waiting for its response, which names it by {@code
 * localIndex}; under the network key with id {@code keyId}. Only the control loop touches its
 * {@link Handshake}.
 *
 * @param sent the initiation as sent, up to and with its mac1 (a COOKIE_REPLY is sealed to that
 *             mac1, and the initiation goes again with a mac2)
 */
record PendingHandshake(Peer peer, Handshake handshake, int localIndex, int keyId, long created, Suites.Suite suite,
        byte[] sent)
        implements IndexEntry {
}
