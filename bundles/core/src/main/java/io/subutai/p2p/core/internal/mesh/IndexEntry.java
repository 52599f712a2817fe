package io.subutai.p2p.core.internal.mesh;

/** What a local index names ({@link IndexTable}): a session's keypair, or a handshake this node began. */
sealed interface IndexEntry permits Keypair, PendingHandshake {

    /** The index peers put in what they send for this entry. */
    int localIndex();

    /** Whose it is. */
    Peer peer();

    /** When it was made, on the mesh's clock. */
    long created();
}
