package io.subutai.p2p.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What a network's secrets let discovery prove, without handing it any key (docs/protocol.md §7.1,
 * "Records and proofs"). The engine holds the keys; a provider asks it to tag what it publishes,
 * to check what it hears, and to agree a key with a server that has a static key of its own.
 * Thread-safe: any thread may call it.
 */
@ProviderType
public interface Credentials {

    /** Length of a record tag in bytes. */
    int TAG_LENGTH = 16;

    /** Length of an agreed key in bytes. */
    int KEY_LENGTH = 32;

    /**
     * The tag that proves {@code record} comes from a member: a MAC keyed with the network's
     * record key, which derives from its current (stretched) network key and from nothing a
     * non-member can learn.
     */
    byte[] seal(byte[] record);

    /**
     * Whether {@code tag} is a member's tag of {@code record} under any key the network accepts
     * now (around a key change, the keys on either side of it). Constant time per key.
     */
    boolean verify(byte[] record, byte[] tag);

    /**
     * A key only this node (holding this network's static private key) and the holder of the
     * private half of {@code peerPublic} (an X25519 key) can compute: the X25519 agreement of the
     * two, through a KDF bound to {@code label} and to both public keys. Null when
     * {@code peerPublic} is not a usable key (wrong length, or a low-order point).
     */
    byte[] agree(byte[] peerPublic, String label);
}
