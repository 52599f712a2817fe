package io.subutai.p2p.spi;

import java.util.Objects;

/**
 * A peer's identity: derived from its static public key, so no member can take another's.
 *
 * @param value printable form (lower-case hex or similar), unique per static key
 */
public record PeerId(String value) {

    public PeerId {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty peer ID");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
