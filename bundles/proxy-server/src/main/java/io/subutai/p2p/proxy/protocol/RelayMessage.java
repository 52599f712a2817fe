package io.subutai.p2p.proxy.protocol;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * A relay control message (docs/protocol.md §8): the common header with type {@link #TYPE}, an
 * operation, the network id and the member's static key; ALLOCATED adds the relayed port and the
 * allocation's lifetime. {@link #decode} accepts exactly these layouts and never throws.
 *
 * @param op        {@link #OP_ALLOCATE} or {@link #OP_ALLOCATED}
 * @param networkId 16 bytes
 * @param staticKey 32 bytes
 * @param port      the relayed port (ALLOCATED; 0 in ALLOCATE)
 * @param lifetime  seconds the allocation lives without a refresh (ALLOCATED; 0 in ALLOCATE)
 */
public record RelayMessage(int op, byte[] networkId, byte[] staticKey, int port, int lifetime) {

    /** The message type of the common header (docs/protocol.md §3). */
    public static final int TYPE = 8;
    public static final int OP_ALLOCATE = 1;
    public static final int OP_ALLOCATED = 2;
    public static final int ALLOCATE_SIZE = 4 + 1 + 16 + 32;
    public static final int ALLOCATED_SIZE = ALLOCATE_SIZE + 2 + 1;

    public RelayMessage {
        if (networkId.length != 16 || staticKey.length != 32) {
            throw new IllegalArgumentException("network id of 16 bytes and static key of 32");
        }
    }

    /** A request for an allocation, or its refresh. */
    public static RelayMessage allocate(byte[] networkId, byte[] staticKey) {
        return new RelayMessage(OP_ALLOCATE, networkId, staticKey, 0, 0);
    }

    /** Writes the message into {@code out} from its position. */
    public void encode(ByteBuffer out) {
        out.put((byte) 1).put((byte) TYPE).put((byte) 0).put((byte) 0).put((byte) op).put(networkId).put(staticKey);
        if (op == OP_ALLOCATED) {
            out.putShort((short) port).put((byte) lifetime);
        }
    }

    /** The message in {@code in} (position to limit), or null when it is not exactly one. */
    public static RelayMessage decode(ByteBuffer in) {
        try {
            if (in.get() != 1 || in.get() != TYPE || in.get() != 0 || in.get() != 0) {
                return null;
            }
            int op = in.get();
            byte[] id = new byte[16];
            byte[] key = new byte[32];
            in.get(id).get(key);
            RelayMessage m = null;
            if (op == OP_ALLOCATE) {
                m = new RelayMessage(op, id, key, 0, 0);
            } else if (op == OP_ALLOCATED) {
                int port = in.getShort() & 0xffff;
                int lifetime = in.get() & 255;
                if (port != 0 && lifetime != 0) {
                    m = new RelayMessage(op, id, key, port, lifetime);
                }
            }
            return m == null || in.hasRemaining() ? null : m;
        } catch (BufferUnderflowException e) {
            return null;
        }
    }
}
