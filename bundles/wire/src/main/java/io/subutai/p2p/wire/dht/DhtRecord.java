package io.subutai.p2p.wire.dht;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A member's endpoint record (docs/protocol.md §7.1): what it says about itself, which it
 * tags end to end with its network's record key so that the bootstrap server, which stores and
 * forwards it, can neither forge nor alter it. The server reads it (to hand out addresses) but
 * cannot check the tag; members check it.
 *
 * <pre>
 * static key (32) | time (8, Unix ms) | flags (1; bit 0: wants an address) | address (4) | prefix (1, 0..32)
 *   | endpoints (1: count, 0..8) | count x endpoint
 * endpoint = family (1: 4 or 6) | address (4 or 16) | port (2, not 0)
 * </pre>
 *
 * @param staticKey    the member's static public key in the network
 * @param time         when the member made the record, in Unix ms; a newer record of a key replaces an older one
 * @param wantsAddress whether it asks the server for an overlay address ({@code -ip dhcp})
 * @param address      the overlay address it holds, or the subnet it asks for one in (0: none)
 * @param prefix       the prefix of {@code address}
 * @param endpoints    its local endpoints
 */
public record DhtRecord(byte[] staticKey, long time, boolean wantsAddress, int address, int prefix,
        List<InetSocketAddress> endpoints) {

    /** The largest record: with {@link DhtMessage#MAX_ENDPOINTS} IPv6 endpoints. */
    public static final int MAX_SIZE = DhtMessage.KEY + 8 + 1 + 4 + 1 + 1 + DhtMessage.MAX_ENDPOINTS * 19;

    public DhtRecord {
        staticKey = staticKey.clone();
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public byte[] staticKey() {
        return staticKey.clone();
    }

    /** The record's bytes, which its tag covers. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(MAX_SIZE);
        if (staticKey.length != DhtMessage.KEY) {
            throw new IllegalArgumentException("static key of " + staticKey.length + " bytes");
        }
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix /" + prefix);
        }
        out.put(staticKey).putLong(time).put((byte) (wantsAddress ? 1 : 0)).putInt(address).put((byte) prefix);
        writeEndpoints(out, endpoints);
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }

    /** The record in {@code bytes}, or null when they are not exactly one well-formed record. */
    public static DhtRecord decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte[] key = bytes(in, DhtMessage.KEY);
            long time = in.getLong();
            int flags = in.get() & 255;
            if ((flags & ~1) != 0) {
                return null;
            }
            int address = in.getInt();
            int prefix = in.get() & 255;
            if (prefix > 32) {
                return null;
            }
            DhtRecord r = new DhtRecord(key, time, flags == 1, address, prefix, readEndpoints(in));
            return in.hasRemaining() ? null : r;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return null;
        }
    }

    static byte[] bytes(ByteBuffer in, int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    static void writeEndpoints(ByteBuffer out, List<InetSocketAddress> endpoints) {
        if (endpoints.size() > DhtMessage.MAX_ENDPOINTS) {
            throw new IllegalArgumentException(endpoints.size() + " endpoints");
        }
        out.put((byte) endpoints.size());
        for (InetSocketAddress e : endpoints) {
            writeEndpoint(out, e);
        }
    }

    /** {@code family (1: 4 or 6) | address (4 or 16) | port (2)}; an IPv6 scope is not carried. */
    static void writeEndpoint(ByteBuffer out, InetSocketAddress e) {
        if (e.getPort() == 0) {
            throw new IllegalArgumentException("port 0");
        }
        writeReflexive(out, e);
    }

    /** As {@link #writeEndpoint}, port 0 allowed (see {@link #readReflexive}). */
    static void writeReflexive(ByteBuffer out, InetSocketAddress e) {
        byte[] a = e.getAddress().getAddress();
        out.put((byte) (a.length == 4 ? 4 : 6)).put(a).putShort((short) e.getPort());
    }

    static List<InetSocketAddress> readEndpoints(ByteBuffer in) {
        int n = in.get() & 255;
        if (n > DhtMessage.MAX_ENDPOINTS) {
            throw new IllegalArgumentException("count");
        }
        List<InetSocketAddress> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readEndpoint(in));
        }
        return out;
    }

    static InetSocketAddress readEndpoint(ByteBuffer in) {
        InetSocketAddress e = readReflexive(in);
        if (e.getPort() == 0) {
            throw new IllegalArgumentException("port");
        }
        return e;
    }

    /**
     * An endpoint where port 0 is allowed: the reflexive endpoint of a member that reached the
     * server over a stream (docs/protocol.md §7.2), which has no UDP mapping there.
     */
    static InetSocketAddress readReflexive(ByteBuffer in) {
        int family = in.get();
        if (family != 4 && family != 6) {
            throw new IllegalArgumentException("family");
        }
        byte[] a = bytes(in, family == 4 ? 4 : 16);
        int port = in.getShort() & 0xffff;
        try {
            InetAddress ip = InetAddress.getByAddress(a);
            if (family == 6 && !(ip instanceof Inet6Address) || family == 4 && !(ip instanceof Inet4Address)) {
                throw new IllegalArgumentException("an IPv4-mapped address given as IPv6");
            }
            return new InetSocketAddress(ip, port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
