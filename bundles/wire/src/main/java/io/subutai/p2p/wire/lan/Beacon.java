package io.subutai.p2p.wire.lan;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.MessageType;

/**
 * The LAN_BEACON of docs/protocol.md: {@code 1 | 5 | 0 0 | network id (16) | static key (32) | port (2)}.
 *
 * @param networkId the network's public id, 32 hex characters
 * @param staticKey the member's static public key
 * @param port      the member's instance UDP port
 */
public record Beacon(String networkId, byte[] staticKey, int port) {

    /** The one size of a beacon. */
    public static final int SIZE = Header.SIZE + 16 + 32 + 2;
    public static final int TYPE = MessageType.LAN_BEACON;

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        Header.write(b, TYPE);
        b.put(HexFormat.of().parseHex(networkId)).put(staticKey).putShort((short) port);
        return b.array();
    }

    /** The beacon in the first {@code length} of {@code bytes}, or null when they are not exactly one. */
    public static Beacon decode(byte[] bytes, int length) {
        if (length != SIZE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, SIZE);
        if (!Header.skip(b, TYPE)) {
            return null;
        }
        byte[] id = new byte[16];
        byte[] key = new byte[32];
        b.get(id).get(key);
        int port = b.getShort() & 0xffff;
        if (port == 0) {
            return null;
        }
        return new Beacon(HexFormat.of().formatHex(id), key, port);
    }
}
