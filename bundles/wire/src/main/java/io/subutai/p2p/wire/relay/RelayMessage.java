package io.subutai.p2p.wire.relay;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.MessageType;

/**
 * Relay control messages (docs/protocol.md §8): the common header with type {@link #TYPE}, an
 * operation, then its fields. ALLOCATE carries the network id, the member's static key and the
 * cookie it echoes (zeros: none yet); ALLOCATED adds to the first two the member's handle, the
 * allocation's lifetime and its secret; COOKIE carries only the cookie; REFRESH and RELEASE the
 * handle and a proof of the allocation's secret ({@link #proof}). SEND and FROM, which carry
 * datagrams, are laid out by {@link #envelope} and read by {@link #handle}; {@link #decode} reads
 * the others, accepting exactly their layouts and never throwing.
 *
 * <p>Fields an operation does not carry are zeros in the record.
 *
 * @param op        one of the {@code OP_} constants but SEND and FROM
 * @param networkId 16 bytes (ALLOCATE, ALLOCATED)
 * @param staticKey 32 bytes (ALLOCATE, ALLOCATED)
 * @param handle    the member's handle at the relay (ALLOCATED, REFRESH, RELEASE)
 * @param lifetime  seconds the allocation lives without a refresh (ALLOCATED)
 * @param token     16 bytes: the cookie (ALLOCATE, COOKIE), the allocation's secret (ALLOCATED) or
 *                  the proof of it (REFRESH, RELEASE)
 */
public record RelayMessage(int op, byte[] networkId, byte[] staticKey, int handle, int lifetime, byte[] token) {

    /** The message type of the common header (docs/protocol.md §3). */
    public static final int TYPE = MessageType.RELAY;
    /** A request for an allocation (member to relay). */
    public static final int OP_ALLOCATE = 1;
    /** An allocation, new or refreshed (relay to member). */
    public static final int OP_ALLOCATED = 2;
    /** A datagram for the member with a handle (member to relay). */
    public static final int OP_SEND = 3;
    /** A datagram from the member with a handle (relay to member). */
    public static final int OP_FROM = 4;
    /** The cookie an address must echo in ALLOCATE before it gets anything more (relay to member). */
    public static final int OP_COOKIE = 5;
    /** Keeps an allocation, proving its secret (member to relay). */
    public static final int OP_REFRESH = 6;
    /** Ends an allocation, proving its secret (member to relay). */
    public static final int OP_RELEASE = 7;

    /** Bytes of a cookie, an allocation's secret and a proof. */
    public static final int TOKEN = 16;
    public static final int ALLOCATE_SIZE = 4 + 1 + 16 + 32 + TOKEN;
    public static final int ALLOCATED_SIZE = 4 + 1 + 16 + 32 + 2 + 1 + TOKEN;
    public static final int COOKIE_SIZE = 4 + 1 + TOKEN;
    /** The size of REFRESH and of RELEASE. */
    public static final int PROOF_SIZE = 4 + 1 + 2 + TOKEN;
    /** What SEND and FROM put in front of the datagram they carry. */
    public static final int ENVELOPE = 4 + 1 + 2;
    /**
     * Handles from this one up (to 65535) are those of members that reach the relay over a stream
     * (docs/protocol.md §8, §10): a path to one of them crosses TCP. Handles of members on UDP are
     * 1 to 32767.
     */
    public static final int STREAM_HANDLES = 32_768;

    /** Whether {@code handle} is one of a member that reaches the relay over a stream. */
    public static boolean streamHandle(int handle) {
        return handle >= STREAM_HANDLES;
    }

    private static final byte[] PROOF_LABEL = "p2p relay proof".getBytes(StandardCharsets.US_ASCII);

    public RelayMessage {
        if (networkId.length != 16 || staticKey.length != 32 || token.length != TOKEN) {
            throw new IllegalArgumentException("network id of 16 bytes, static key of 32 and token of " + TOKEN);
        }
    }

    /** A request for an allocation echoing {@code cookie} (all zeros: the member has none yet). */
    public static RelayMessage allocate(byte[] networkId, byte[] staticKey, byte[] cookie) {
        return new RelayMessage(OP_ALLOCATE, networkId, staticKey, 0, 0, cookie);
    }

    /** The allocation {@code handle} with its {@code secret}, for the member that asked. */
    public static RelayMessage allocated(byte[] networkId, byte[] staticKey, int handle, int lifetime, byte[] secret) {
        return new RelayMessage(OP_ALLOCATED, networkId, staticKey, handle, lifetime, secret);
    }

    /** The cookie the address it goes to must echo. */
    public static RelayMessage cookie(byte[] cookie) {
        return new RelayMessage(OP_COOKIE, new byte[16], new byte[32], 0, 0, cookie);
    }

    /** A REFRESH ({@code op} {@link #OP_REFRESH}) or RELEASE ({@link #OP_RELEASE}) of {@code handle}, proving {@code secret}. */
    public static RelayMessage proving(int op, int handle, byte[] secret) {
        return new RelayMessage(op, new byte[16], new byte[32], handle, 0, proof(secret, op, handle));
    }

    /**
     * The proof of an allocation's {@code secret} in a REFRESH or RELEASE ({@code op}) of {@code
     * handle}: the first 16 bytes of HMAC-SHA-256(secret, "p2p relay proof" | op (1) | handle (2)).
     * Bound to the operation, a refresh seen on the way cannot be turned into a release.
     */
    public static byte[] proof(byte[] secret, int op, int handle) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(PROOF_LABEL);
            mac.update(new byte[] {(byte) op, (byte) (handle >> 8), (byte) handle});
            return java.util.Arrays.copyOf(mac.doFinal(), TOKEN);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is part of every Java runtime", e);
        }
    }

    /** Whether this REFRESH or RELEASE proves {@code secret} (compared in constant time). */
    public boolean proves(byte[] secret) {
        return (op == OP_REFRESH || op == OP_RELEASE) && MessageDigest.isEqual(token, proof(secret, op, handle));
    }

    /** Writes the message into {@code out} from its position. */
    public void encode(ByteBuffer out) {
        Header.write(out, TYPE);
        out.put((byte) op);
        switch (op) {
            case OP_ALLOCATE -> out.put(networkId).put(staticKey).put(token);
            case OP_ALLOCATED -> out.put(networkId).put(staticKey).putShort((short) handle).put((byte) lifetime).put(token);
            case OP_COOKIE -> out.put(token);
            case OP_REFRESH, OP_RELEASE -> out.putShort((short) handle).put(token);
            default -> throw new IllegalArgumentException("not a control operation: " + op);
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

    /** The control message in {@code in} (position to limit), or null when it is not exactly one. */
    public static RelayMessage decode(ByteBuffer in) {
        try {
            if (!Header.skip(in, TYPE)) {
                return null;
            }
            int op = in.get();
            byte[] id = new byte[16];
            byte[] key = new byte[32];
            byte[] token = new byte[TOKEN];
            RelayMessage m = null;
            if (op == OP_ALLOCATE) {
                in.get(id).get(key).get(token);
                m = allocate(id, key, token);
            } else if (op == OP_ALLOCATED) {
                in.get(id).get(key);
                int handle = in.getShort() & 0xffff;
                int lifetime = in.get() & 255;
                in.get(token);
                m = handle == 0 || lifetime == 0 ? null : allocated(id, key, handle, lifetime, token);
            } else if (op == OP_COOKIE) {
                in.get(token);
                m = cookie(token);
            } else if (op == OP_REFRESH || op == OP_RELEASE) {
                int handle = in.getShort() & 0xffff;
                in.get(token);
                m = handle == 0 ? null : new RelayMessage(op, id, key, handle, 0, token);
            }
            return m == null || in.hasRemaining() ? null : m;
        } catch (BufferUnderflowException e) {
            return null;
        }
    }
}
