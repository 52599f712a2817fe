package io.subutai.p2p.core.internal.mesh;

/**
 * A peer's sessions (wireguard-go's {@code keypair.go}): {@code current} seals; {@code previous}
 * still opens late packets after a rekey; {@code next} (answered, not yet confirmed by a packet
 * from the peer) opens, and becomes current with its first packet. Written under the peer's lock,
 * which the data path seals under; the fields are volatile so the receive thread may look without it.
 */
final class Keypairs {

    private volatile Keypair current;
    private volatile Keypair previous;
    private volatile Keypair next;

    Keypair current() {
        return current;
    }

    Keypair next() {
        return next;
    }

    /** A session this node began is up: it seals from now on; the one before it still opens. */
    void installLocked(Keypair k, IndexTable table) {
        if (previous != null) {
            table.remove(previous);
        }
        previous = current;
        current = k;
        table.put(k);
    }

    /** A session this node answered waits for the peer's first packet (an earlier such one is dropped). */
    void answerLocked(Keypair k, IndexTable table) {
        if (next != null) {
            table.remove(next);
        }
        next = k;
        table.put(k);
    }

    /** The peer's first packet under {@code k} confirmed it: when it is {@code next}, it seals from now on. */
    boolean promoteLocked(Keypair k, IndexTable table) {
        if (next != k) {
            return false;
        }
        next = null;
        if (previous != null) {
            table.remove(previous);
        }
        previous = current;
        current = k;
        return true;
    }

    /** Ends {@code k} (too old, or its key expired); true when it was the one that sealed. */
    boolean retireLocked(Keypair k, IndexTable table) {
        table.remove(k);
        if (previous == k) {
            previous = null;
        }
        if (next == k) {
            next = null;
        }
        if (current == k) {
            current = null;
            return true;
        }
        return false;
    }

    /** Forgets every session (the peer is forgotten). */
    void clearLocked(IndexTable table) {
        for (Keypair k : new Keypair[] {current, previous, next}) {
            if (k != null) {
                table.remove(k);
            }
        }
        current = null;
        previous = null;
        next = null;
    }
}
