package io.subutai.p2p.core.internal.mesh;

import io.subutai.p2p.spi.Session;

/**
 * A session with a peer, under the index the peer puts in the packets it seals with it, made at
 * {@code created} (the mesh's clock) under the network key with id {@code keyId}.
 *
 * @param remoteIndex the index this node puts in the packets it seals with it
 * @param suite       the crypto suite that made it
 */
record Keypair(Peer peer, Session session, int localIndex, int remoteIndex, long created, int keyId, Suites.Suite suite)
        implements IndexEntry {

    /** The same session, another peer's (an unknown node that proved the key became a known one). */
    Keypair movedTo(Peer other) {
        return new Keypair(other, session, localIndex, remoteIndex, created, keyId, suite);
    }
}
