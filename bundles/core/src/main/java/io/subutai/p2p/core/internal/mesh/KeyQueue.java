package io.subutai.p2p.core.internal.mesh;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A network's keys, each valid until its time (the original's {@code -key K -ttl T}, which it
 * never enforced), in the order they were added: the current key is the first one still valid;
 * when it expires the next takes over (a key without a time never expires, so keys added after it
 * wait). New handshakes use the current key; around a switch, within {@link #GRACE_SECONDS},
 * the keys on either side of it are accepted too, so peers whose clocks differ a little lose no
 * traffic. A network started without a key uses its hash as the key, forever. Keys are kept
 * {@linkplain Secrets#stretch stretched}: their ids and the PSKs derive from the stretched value
 * only. Thread-safe.
 */
public final class KeyQueue {

    /** How long before and after a switch both keys are accepted. */
    public static final long GRACE_SECONDS = 60;

    /** A key, the Unix time (seconds) until which it is valid, and its 4-byte id for handshakes. */
    record Key(byte[] secret, long until, int id) {
        @Override
        public String toString() {
            return "Key[id=" + Integer.toHexString(id) + ", until=" + until + "]";
        }
    }

    // guarded by this; in the order added
    private final List<Key> keys = new ArrayList<>();

    /** Adds a key, as typed (stretched here: this costs {@link Secrets}' Argon2id once). */
    public void add(String secret, long until) {
        addStretched(Secrets.stretch(secret), until);
    }

    /** Adds a key {@linkplain Secrets#stretch stretched} already; an identical key with the same time is not added twice. */
    public synchronized void addStretched(byte[] stretched, long until) {
        byte[] s = stretched.clone();
        Key k = new Key(s, until, Secrets.keyId(s));
        for (Key existing : keys) {
            if (existing.id == k.id && existing.until == until && MessageDigest.isEqual(existing.secret, s)) {
                return;
            }
        }
        keys.add(k);
    }

    /** The key new handshakes use at {@code now} (Unix seconds): the first still valid. */
    synchronized Optional<Key> current(long now) {
        for (Key k : keys) {
            if (k.until > now) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /**
     * The key with that id if a handshake may use it at {@code now}: the current key, or the one
     * before it within {@link #GRACE_SECONDS} after it ended, or the one after it within
     * {@link #GRACE_SECONDS} before the current one ends.
     */
    synchronized Optional<Key> accepted(int id, long now) {
        int current = -1;
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).until > now) {
                current = i;
                break;
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            if (k.id != id) {
                continue;
            }
            boolean ok = i == current
                    || (current >= 0 && i == current - 1 && now < k.until + GRACE_SECONDS)
                    || (current < 0 && i == keys.size() - 1 && now < k.until + GRACE_SECONDS)
                    || (current >= 0 && i == current + 1 && now >= keys.get(current).until - GRACE_SECONDS);
            if (ok) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /**
     * The secrets of the keys records are tagged with at {@code now}: the current key first (null
     * when none is valid), then every other key the network holds, which a record from a peer whose
     * clock differs, or who switched first, may carry. Copies.
     */
    synchronized List<byte[]> recordSecrets(long now) {
        List<byte[]> out = new ArrayList<>();
        Optional<Key> current = current(now);
        out.add(current.map(k -> k.secret.clone()).orElse(null));
        for (Key k : keys) {
            if (current.isEmpty() || k != current.get()) {
                out.add(k.secret.clone());
            }
        }
        return out;
    }

    /** Forgets keys that ended more than {@link #GRACE_SECONDS} ago. */
    synchronized void prune(long now) {
        keys.removeIf(k -> k.until + GRACE_SECONDS <= now);
    }

    public synchronized int size() {
        return keys.size();
    }
}
