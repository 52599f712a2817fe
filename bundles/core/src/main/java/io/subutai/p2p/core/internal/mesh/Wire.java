package io.subutai.p2p.core.internal.mesh;

import java.nio.ByteBuffer;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.MessageType;
import io.subutai.p2p.wire.lan.Beacon;

/**
 * The framing of docs/protocol.md, version 3: the 4-byte header and the length rules of each
 * message type. {@link #classify} decides, without allocating and without throwing, whether a
 * received datagram is one to look at; everything it refuses is dropped and counted.
 */
final class Wire {

    static final int VERSION = Header.VERSION;
    static final int HEADER = Header.SIZE;

    static final int HANDSHAKE_INIT = MessageType.HANDSHAKE_INIT;
    static final int HANDSHAKE_RESP = MessageType.HANDSHAKE_RESP;
    static final int HANDSHAKE_REFUSED = MessageType.HANDSHAKE_REFUSED;
    static final int COOKIE_REPLY = MessageType.COOKIE_REPLY;
    static final int DATA = MessageType.DATA;
    static final int LAN_BEACON = MessageType.LAN_BEACON;
    /** Opens this node's NAT toward a peer; nobody handles it (docs/protocol.md §4.4). */
    static final int PUNCH = MessageType.PUNCH;

    /** Returned by {@link #classify} for a datagram to drop. */
    static final int DROP = -1;

    static final int KEY = 32;
    static final int TAG = 16;
    static final int INDEX = 4;
    static final int COUNTER = 8;
    static final int NETWORK_ID = 16;

    /** The byte after an initiation's sender index: the suite it was made with (§3.1). */
    static final int SUITE = 1;
    /** A mac1 or mac2 at the end of a handshake message (§4.6). */
    static final int MAC = Macs.MAC;
    /** Smallest HANDSHAKE_INIT: sender index, suite, e, encrypted s, a payload offering one AEAD, mac1, mac2. */
    static final int INIT_MIN = HEADER + INDEX + SUITE + KEY + KEY + TAG + 2 + TAG + 2 * MAC;
    /** HANDSHAKE_REFUSED: the initiation's sender index, the reason, the count of suites and their numbers. */
    static final int REFUSED_MIN = HEADER + INDEX + 1 + 1;
    static final int REFUSED_MAX = REFUSED_MIN + 255;
    /** Reasons of a HANDSHAKE_REFUSED: the suite is not here; the network accepts another only. */
    static final int REFUSED_UNAVAILABLE = 1;
    static final int REFUSED_POLICY = 2;
    /** Smallest HANDSHAKE_RESP: two indexes, e, a payload naming the AEAD, mac1. */
    static final int RESP_MIN = HEADER + INDEX + INDEX + KEY + 1 + TAG + MAC;
    /** Smallest DATA: receiver index, counter, the inner type, the tag. */
    static final int DATA_MIN = HEADER + INDEX + COUNTER + 1 + TAG;
    /** The one LAN_BEACON size: network id, static key, port. */
    static final int BEACON = Beacon.SIZE;
    /** Largest handshake message accepted, MACs included: a post-quantum suite's carry a KEM key or ciphertext (about 1.2 KB). */
    static final int HANDSHAKE_MAX = 2048;
    /** Largest datagram: a jumbo frame plus the overhead. */
    static final int MAX = 65_507;
    /** The largest datagram this node sends: fits a 1500-byte path under IPv6 and UDP headers. */
    static final int MAX_DATAGRAM = 1452;

    // inner types: the first byte of a DATA packet's plaintext (docs/protocol.md §5)
    static final int INNER_FRAME = 0;
    static final int INNER_KEEPALIVE = 1;
    static final int INNER_FRAGMENT = 2;
    /** A keepalive that tells this node's overlay address (4), prefix (1), MAC (6) and flags (1). */
    static final int INNER_PEER_INFO = 4;
    static final int INNER_PROBE = 5;
    static final int INNER_PROBE_REPLY = 6;
    /** The length of a PEER_INFO plaintext, and of a PROBE's or PROBE_REPLY's (inner type and a 4-byte id). */
    static final int PEER_INFO_LENGTH = 13;
    /** PEER_INFO's flag: the sender bridges, so frames from other MACs behind it are its. */
    static final int PEER_INFO_BRIDGE = 1;
    static final int PROBE_LENGTH = 5;
    /**
     * A path MTU probe (docs/protocol.md §5.4): a 4-byte id, then zeros up to the size probed; sent with the
     * don't-fragment bit. Its reply names the id and the datagram's length as received (2 bytes).
     * Receivers from before §5.4 ignore both, as every unknown inner type.
     */
    static final int INNER_MTU_PROBE = 7;
    static final int INNER_MTU_REPLY = 8;
    static final int MTU_REPLY_LENGTH = 7;

    private Wire() {
    }

    /**
     * The message type of {@code datagram} (position to limit) when its header and length are
     * right for it, else {@link #DROP}. Reads absolute positions; the buffer is not moved.
     */
    static int classify(ByteBuffer datagram) {
        int n = datagram.remaining();
        int type = Header.type(datagram);
        if (type == Header.NONE || n > MAX) {
            return DROP;
        }
        boolean ok = switch (type) {
            case HANDSHAKE_INIT -> n >= INIT_MIN && n <= HANDSHAKE_MAX;
            case HANDSHAKE_RESP -> n >= RESP_MIN && n <= HANDSHAKE_MAX;
            case HANDSHAKE_REFUSED -> n >= REFUSED_MIN && n <= REFUSED_MAX
                    && n == REFUSED_MIN + (datagram.get(datagram.position() + HEADER + INDEX + 1) & 0xff);
            case COOKIE_REPLY -> n == Macs.COOKIE_REPLY;
            case DATA -> n >= DATA_MIN;
            case LAN_BEACON -> n == BEACON;
            default -> false;
        };
        return ok ? type : DROP;
    }

    /** Writes the header of a {@code type} message at the buffer's position. */
    static void header(ByteBuffer out, int type) {
        Header.write(out, type);
    }

    /** The 8 bytes in front of a DATA packet's counter, as a long: its header and receiver index, the associated data of its sealing (§5). */
    static long dataHeader(int receiverIndex) {
        return (long) VERSION << 56 | (long) DATA << 48 | receiverIndex & 0xffffffffL;
    }

    /** The reason of a HANDSHAKE_REFUSED that {@link #classify} accepted. */
    static int refusedReason(ByteBuffer refused) {
        return refused.get(refused.position() + HEADER + INDEX) & 0xff;
    }

    /** The suites a HANDSHAKE_REFUSED that {@link #classify} accepted says its sender would take, best first. */
    static int[] refusedSuites(ByteBuffer refused) {
        int at = refused.position() + HEADER + INDEX + 1;
        int[] ids = new int[refused.get(at) & 0xff];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = refused.get(at + 1 + i) & 0xff;
        }
        return ids;
    }

    /** The 32-bit index at {@code offset} bytes after the header start. */
    static int index(ByteBuffer datagram, int offset) {
        return datagram.getInt(datagram.position() + offset);
    }
}
