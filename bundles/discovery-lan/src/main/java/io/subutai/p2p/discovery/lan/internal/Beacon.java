package io.subutai.p2p.discovery.lan.internal;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The LAN_BEACON of docs/protocol.md: {@code 1 | 5 | 0 0 | network id (16) | static key (32) | port (2)}.
 *
 * @param networkId the network's public id, 32 hex characters
 * @param staticKey the member's static public key
 * @param port      the member's instance UDP port
 */
record Beacon(String networkId, byte[] staticKey, int port) {

    static final int SIZE = 4 + 16 + 32 + 2;
    static final int TYPE = 5;

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put((byte) 1).put((byte) TYPE).put((byte) 0).put((byte) 0);
        b.put(HexFormat.of().parseHex(networkId)).put(staticKey).putShort((short) port);
        return b.array();
    }

    /** The beacon in {@code bytes}, or null when they are not exactly one. */
    static Beacon decode(byte[] bytes, int length) {
        if (length != SIZE || bytes[0] != 1 || bytes[1] != TYPE || bytes[2] != 0 || bytes[3] != 0) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 4, SIZE - 4);
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
