package io.subutai.p2p.core.internal.mesh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import io.subutai.p2p.spi.PeerId;

/** A peer's ID: derived from its static public key, printed as a UUID, so no member can take another's. */
public final class PeerIds {

    private PeerIds() {
    }

    public static PeerId of(byte[] staticKey) {
        byte[] h;
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update("p2p peer id v1".getBytes(StandardCharsets.US_ASCII));
            h = d.digest(staticKey);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java", e);
        }
        String x = java.util.HexFormat.of().formatHex(h, 0, 16);
        return new PeerId(x.substring(0, 8) + "-" + x.substring(8, 12) + "-" + x.substring(12, 16) + "-"
                + x.substring(16, 20) + "-" + x.substring(20, 32));
    }

    /** Whether {@code text} is a peer ID as {@link #of} writes them: 32 lower-case hex digits, 8-4-4-4-12. */
    public static boolean valid(String text) {
        return text != null && text.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }
}
