package io.subutai.p2p.wire.lan;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.MessageType;

/**
 * The LAN_BEACON of docs/protocol.md §6:
 * {@code 3 | 5 | 0 0 | network id (16) | static key (32) | port (2) | time (8) | tag (16)}. The tag
 * is a member's record tag over everything before it, so only members make beacons that others take.
 *
 * @param networkId the network's public id, 32 hex characters
 * @param staticKey the member's static public key
 * @param port      the member's instance UDP port
 * @param time      when it was sent, Unix milliseconds (receivers take only beacons near their clock)
 * @param tag       the tag over {@link #signed()}, {@link #TAG} bytes
 */
public record Beacon(String networkId, byte[] staticKey, int port, long time, byte[] tag) {

    public static final int TAG = 16;
    /** The one size of a beacon. */
    public static final int SIZE = Header.SIZE + 16 + 32 + 2 + 8 + TAG;
    public static final int TYPE = MessageType.LAN_BEACON;

    public Beacon {
        staticKey = staticKey.clone();
        tag = tag.clone();
    }

    /** A beacon to tag: {@link #signed()} is what the tag covers. */
    public static Beacon untagged(String networkId, byte[] staticKey, int port, long time) {
        return new Beacon(networkId, staticKey, port, time, new byte[TAG]);
    }

    /** This beacon with {@code tag}. */
    public Beacon tagged(byte[] tag) {
        return new Beacon(networkId, staticKey, port, time, tag);
    }

    @Override
    public byte[] staticKey() {
        return staticKey.clone();
    }

    @Override
    public byte[] tag() {
        return tag.clone();
    }

    /** The bytes the tag covers: the beacon up to its tag. */
    public byte[] signed() {
        ByteBuffer b = ByteBuffer.allocate(SIZE - TAG);
        Header.write(b, TYPE);
        b.put(HexFormat.of().parseHex(networkId)).put(staticKey).putShort((short) port).putLong(time);
        return b.array();
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).put(signed()).put(tag).array();
    }

    /** The beacon in the first {@code length} of {@code bytes}, or null when they are not exactly one. */
    public static Beacon decode(byte[] bytes, int length) {
        if (bytes == null || length != SIZE || bytes.length < SIZE) {
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
        long time = b.getLong();
        byte[] tag = new byte[TAG];
        b.get(tag);
        if (port == 0) {
            return null;
        }
        return new Beacon(HexFormat.of().formatHex(id), key, port, time, tag);
    }
}
