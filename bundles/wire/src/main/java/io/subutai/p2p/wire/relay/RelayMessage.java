package io.subutai.p2p.wire.relay;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.MessageType;

/**
 * Relay control messages (docs/protocol.md §8): the common header with type {@link #TYPE}, an
 * operation, then ALLOCATE/ALLOCATED: the network id and the member's static key (ALLOCATED adds
 * the member's handle and the allocation's lifetime). SEND and FROM, which carry datagrams, are
 * laid out by {@link #envelope} and read by {@link #handle}; {@link #decode} reads the other two,
 * accepting exactly their layouts and never throwing.
 *
 * @param op        {@link #OP_ALLOCATE} or {@link #OP_ALLOCATED}
 * @param networkId 16 bytes
 * @param staticKey 32 bytes
 * @param handle    the member's handle at the relay (ALLOCATED; 0 in ALLOCATE)
 * @param lifetime  seconds the allocation lives without a refresh (ALLOCATED; 0 in ALLOCATE)
 */
public record RelayMessage(int op, byte[] networkId, byte[] staticKey, int handle, int lifetime) {

    /** The message type of the common header (docs/protocol.md §3). */
    public static final int TYPE = MessageType.RELAY;
    public static final int OP_ALLOCATE = 1;
    public static final int OP_ALLOCATED = 2;
    /** A datagram for the member with a handle (member to relay). */
    public static final int OP_SEND = 3;
    /** A datagram from the member with a handle (relay to member). */
    public static final int OP_FROM = 4;
    public static final int ALLOCATE_SIZE = 4 + 1 + 16 + 32;
    public static final int ALLOCATED_SIZE = ALLOCATE_SIZE + 2 + 1;
    /** What SEND and FROM put in front of the datagram they carry. */
    public static final int ENVELOPE = 4 + 1 + 2;

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
        Header.write(out, TYPE);
        out.put((byte) op).put(networkId).put(staticKey);
        if (op == OP_ALLOCATED) {
            out.putShort((short) handle).put((byte) lifetime);
        }
    }

    /** Writes the envelope of a SEND or FROM ({@code op}) naming {@code handle} into {@code out}; the datagram follows. */
    public static void envelope(ByteBuffer out, int op, int handle) {
        Header.write(out, TYPE);
        out.put((byte) op).putShort((short) handle);
    }

    /** The operation of a relay message in {@code in} (position unchanged), or -1 when it has no valid header. */
    public static int op(ByteBuffer in) {
        if (in.remaining() < Header.SIZE + 1 || Header.type(in) != TYPE) {
            return -1;
        }
        return in.get(in.position() + Header.SIZE);
    }

    /** The handle in the envelope of a SEND or FROM at {@code in}'s position; 0 when it has none. */
    public static int handle(ByteBuffer in) {
        return in.remaining() <= ENVELOPE ? 0 : in.getShort(in.position() + 5) & 0xffff;
    }

    /** The ALLOCATE or ALLOCATED in {@code in} (position to limit), or null when it is not exactly one. */
    public static RelayMessage decode(ByteBuffer in) {
        try {
            if (!Header.skip(in, TYPE)) {
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
                int handle = in.getShort() & 0xffff;
                int lifetime = in.get() & 255;
                if (handle != 0 && lifetime != 0) {
                    m = new RelayMessage(op, id, key, handle, lifetime);
                }
            }
            return m == null || in.hasRemaining() ? null : m;
        } catch (BufferUnderflowException e) {
            return null;
        }
    }
}
