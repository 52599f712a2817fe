package io.subutai.p2p.wire;

import java.nio.ByteBuffer;

/**
 * The PUNCH message (docs/protocol.md §4.4): the {@link Header} alone, with type {@link
 * MessageType#PUNCH}. Sent from a network's own socket to open this host's NAT toward a peer;
 * receivers drop it.
 */
public final class Punch {

    /** Bytes in a PUNCH: the header. */
    public static final int SIZE = Header.SIZE;

    private Punch() {
    }

    /** A new PUNCH message, read-only, position to limit; send {@link ByteBuffer#duplicate duplicates} of it. */
    public static ByteBuffer message() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        Header.write(b, MessageType.PUNCH);
        return b.flip().asReadOnlyBuffer();
    }
}
