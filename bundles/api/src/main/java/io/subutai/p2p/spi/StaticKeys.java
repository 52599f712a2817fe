package io.subutai.p2p.spi;

/**
 * This node's long-lived key pair; the peer ID derives from the public half.
 *
 * @param privateKey the private key bytes (kept by the engine, never logged)
 * @param publicKey  the public key bytes
 */
public record StaticKeys(byte[] privateKey, byte[] publicKey) {

    public StaticKeys {
        privateKey = privateKey.clone();
        publicKey = publicKey.clone();
    }

    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public String toString() {
        return "StaticKeys[private=(hidden)]";
    }
}
