package io.subutai.p2p.core.internal;

import java.util.ArrayList;
import java.util.List;

import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.Secrets;

/**
 * A network's secrets, {@linkplain Secrets#stretch stretched} once when it starts: its hash
 * (which names it publicly through {@link #networkId}, and is its key when no {@code -key} was
 * given) and its keys. Costs one Argon2id per secret; made outside any lock.
 *
 * @param networkId the network's public name, in logs and on the wire
 * @param hash      the stretched hash
 * @param keys      the stretched keys, in the order they take over, with their times
 */
record NetworkSecrets(String networkId, byte[] hash, List<Stretched> keys) {

    /** A network key, stretched, and the Unix time until which it is valid. */
    record Stretched(byte[] key, long until) {
    }

    static NetworkSecrets of(NetworkSpec spec) {
        byte[] hash = Secrets.stretch(spec.request().hash());
        List<Stretched> keys = new ArrayList<>();
        for (NetworkSpec.Key k : spec.keys()) {
            keys.add(new Stretched(Secrets.stretch(k.key()), k.until()));
        }
        return new NetworkSecrets(Secrets.networkId(hash), hash, List.copyOf(keys));
    }

    /** The network's key queue: its keys, or its hash when it has none. */
    KeyQueue keyQueue() {
        KeyQueue q = new KeyQueue();
        if (keys.isEmpty()) {
            q.addStretched(hash, Long.MAX_VALUE);
        }
        for (Stretched k : keys) {
            q.addStretched(k.key(), k.until());
        }
        return q;
    }

    @Override
    public String toString() {
        return "NetworkSecrets[" + networkId + "]";
    }
}
