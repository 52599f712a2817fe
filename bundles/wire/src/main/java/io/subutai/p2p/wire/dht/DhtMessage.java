package io.subutai.p2p.wire.dht;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.MessageType;

/**
 * One bootstrap message (docs/protocol.md §7): the common header with type {@link #TYPE}, an
 * operation, the network id (a digest of the hash: the server never learns the hash), then the
 * operation's fields. {@link #decode} accepts exactly the layouts of the specification and
 * nothing else; it never throws on bad input.
 */
public sealed interface DhtMessage {

    /** The message type of the common header (docs/protocol.md §3). */
    int TYPE = MessageType.BOOTSTRAP;
    int KEY = 32;
    int NETWORK_ID = 16;
    /** At most this many endpoints per member, and members per PEERS or GONE message. */
    int MAX_ENDPOINTS = 8;
    int MAX_MEMBERS = 16;
    /** The largest rendezvous payload. */
    int MAX_RELAY = 512;

    int OP_REGISTER = 1;
    int OP_WELCOME = 2;
    int OP_PEERS = 3;
    int OP_GONE = 4;
    int OP_RELAY = 5;
    int OP_LEAVE = 6;
    int OP_PROXY = 7;
    int OP_RELAYS = 8;

    /** The network id, 16 bytes. */
    byte[] networkId();

    /** A member's announcement, and its refresh: its key, its local endpoints, and an overlay address it has or wants. */
    record Register(byte[] networkId, byte[] staticKey, List<InetSocketAddress> endpoints, boolean wantsAddress,
            int address, int prefix) implements DhtMessage {
    }

    /** The server's answer to a registration: where it saw the member from, and the overlay address it holds for it (0: none). */
    record Welcome(byte[] networkId, InetSocketAddress reflexive, int address, int prefix, int refreshSeconds)
            implements DhtMessage {
    }

    /** Members of the network: each key with its endpoints, local ones first, the reflexive one last. */
    record Peers(byte[] networkId, List<Member> members) implements DhtMessage {
    }

    /** Members that left or were forgotten. */
    record Gone(byte[] networkId, List<byte[]> staticKeys) implements DhtMessage {
    }

    /** A small message for one member (to the server: the target's key; from it: the sender's). */
    record Relay(byte[] networkId, byte[] staticKey, byte[] payload) implements DhtMessage {
    }

    /** A relay announcing itself (network id all zeros): its port; its address is where this came from. */
    record Proxy(byte[] networkId, int port) implements DhtMessage {
    }

    /** The relays a server knows, for the members of a network. */
    record Relays(byte[] networkId, List<InetSocketAddress> relays) implements DhtMessage {
    }

    /** A member leaving now. */
    record Leave(byte[] networkId, byte[] staticKey) implements DhtMessage {
    }

    /** A member as PEERS lists it. */
    record Member(byte[] staticKey, List<InetSocketAddress> endpoints) {
    }

    /** The network id as hex, for maps. */
    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** Writes the message into {@code out} (from its position) as one datagram. */
    static void encode(DhtMessage m, ByteBuffer out) {
        Header.write(out, TYPE);
        if (m.networkId().length != NETWORK_ID) {
            throw new IllegalArgumentException("network id of " + m.networkId().length + " bytes");
        }
        if (m instanceof Register r) {
            out.put((byte) OP_REGISTER).put(r.networkId()).put(key(r.staticKey()));
            out.put((byte) (r.wantsAddress() ? 1 : 0)).putInt(r.address()).put((byte) r.prefix());
            endpoints(out, r.endpoints());
        } else if (m instanceof Welcome w) {
            out.put((byte) OP_WELCOME).put(w.networkId());
            endpoint(out, w.reflexive());
            out.putInt(w.address()).put((byte) w.prefix()).put((byte) w.refreshSeconds());
        } else if (m instanceof Peers p) {
            if (p.members().size() > MAX_MEMBERS) {
                throw new IllegalArgumentException(p.members().size() + " members in one message");
            }
            out.put((byte) OP_PEERS).put(p.networkId()).put((byte) p.members().size());
            for (Member member : p.members()) {
                out.put(key(member.staticKey()));
                endpoints(out, member.endpoints());
            }
        } else if (m instanceof Gone g) {
            if (g.staticKeys().size() > MAX_MEMBERS) {
                throw new IllegalArgumentException(g.staticKeys().size() + " members in one message");
            }
            out.put((byte) OP_GONE).put(g.networkId()).put((byte) g.staticKeys().size());
            for (byte[] k : g.staticKeys()) {
                out.put(key(k));
            }
        } else if (m instanceof Relay r) {
            if (r.payload().length > MAX_RELAY) {
                throw new IllegalArgumentException("relay payload of " + r.payload().length + " bytes");
            }
            out.put((byte) OP_RELAY).put(r.networkId()).put(key(r.staticKey())).putShort((short) r.payload().length)
                    .put(r.payload());
        } else if (m instanceof Proxy p) {
            out.put((byte) OP_PROXY).put(p.networkId()).putShort((short) p.port());
        } else if (m instanceof Relays r) {
            out.put((byte) OP_RELAYS).put(r.networkId());
            endpoints(out, r.relays());
        } else if (m instanceof Leave l) {
            out.put((byte) OP_LEAVE).put(l.networkId()).put(key(l.staticKey()));
        }
    }

    private static byte[] key(byte[] k) {
        if (k.length != KEY) {
            throw new IllegalArgumentException("static key of " + k.length + " bytes");
        }
        return k;
    }

    private static void endpoints(ByteBuffer out, List<InetSocketAddress> endpoints) {
        if (endpoints.size() > MAX_ENDPOINTS) {
            throw new IllegalArgumentException(endpoints.size() + " endpoints");
        }
        out.put((byte) endpoints.size());
        for (InetSocketAddress e : endpoints) {
            endpoint(out, e);
        }
    }

    /** {@code family (1: 4 or 6) | address (4 or 16) | port (2)}; an IPv6 scope is not carried. */
    private static void endpoint(ByteBuffer out, InetSocketAddress e) {
        byte[] a = e.getAddress().getAddress();
        out.put((byte) (a.length == 4 ? 4 : 6)).put(a).putShort((short) e.getPort());
    }

    /**
     * The message in {@code in} (position to limit, which it consumes), or null when it is not
     * exactly one well-formed bootstrap message.
     */
    static DhtMessage decode(ByteBuffer in) {
        try {
            DhtMessage m = decodeOrThrow(in);
            return in.hasRemaining() ? null : m;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return null;
        }
    }

    private static DhtMessage decodeOrThrow(ByteBuffer in) {
        if (!Header.skip(in, TYPE)) {
            return null;
        }
        int op = in.get();
        byte[] id = bytes(in, NETWORK_ID);
        return switch (op) {
            case OP_REGISTER -> {
                byte[] key = bytes(in, KEY);
                int flags = in.get() & 255;
                if ((flags & ~1) != 0) {
                    throw new IllegalArgumentException("flags");
                }
                int address = in.getInt();
                int prefix = prefix(in.get());
                yield new Register(id, key, endpoints(in), flags == 1, address, prefix);
            }
            case OP_WELCOME -> {
                InetSocketAddress reflexive = endpoint(in);
                int address = in.getInt();
                int prefix = prefix(in.get());
                int refresh = in.get() & 255;
                if (refresh == 0) {
                    throw new IllegalArgumentException("refresh");
                }
                yield new Welcome(id, reflexive, address, prefix, refresh);
            }
            case OP_PEERS -> {
                int n = count(in, MAX_MEMBERS);
                List<Member> members = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    members.add(new Member(bytes(in, KEY), endpoints(in)));
                }
                yield new Peers(id, members);
            }
            case OP_GONE -> {
                int n = count(in, MAX_MEMBERS);
                List<byte[]> keys = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    keys.add(bytes(in, KEY));
                }
                yield new Gone(id, keys);
            }
            case OP_RELAY -> {
                byte[] key = bytes(in, KEY);
                int len = in.getShort() & 0xffff;
                if (len > MAX_RELAY) {
                    throw new IllegalArgumentException("relay length");
                }
                yield new Relay(id, key, bytes(in, len));
            }
            case OP_LEAVE -> new Leave(id, bytes(in, KEY));
            case OP_PROXY -> {
                int port = in.getShort() & 0xffff;
                if (port == 0) {
                    throw new IllegalArgumentException("port");
                }
                yield new Proxy(id, port);
            }
            case OP_RELAYS -> new Relays(id, endpoints(in));
            default -> null;
        };
    }

    private static int prefix(byte b) {
        int p = b & 255;
        if (p > 32) {
            throw new IllegalArgumentException("prefix");
        }
        return p;
    }

    private static int count(ByteBuffer in, int max) {
        int n = in.get() & 255;
        if (n > max) {
            throw new IllegalArgumentException("count");
        }
        return n;
    }

    private static byte[] bytes(ByteBuffer in, int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static List<InetSocketAddress> endpoints(ByteBuffer in) {
        int n = count(in, MAX_ENDPOINTS);
        List<InetSocketAddress> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(endpoint(in));
        }
        return out;
    }

    private static InetSocketAddress endpoint(ByteBuffer in) {
        int family = in.get();
        if (family != 4 && family != 6) {
            throw new IllegalArgumentException("family");
        }
        byte[] a = bytes(in, family == 4 ? 4 : 16);
        int port = in.getShort() & 0xffff;
        if (port == 0) {
            throw new IllegalArgumentException("port");
        }
        try {
            InetAddress ip = InetAddress.getByAddress(a);
            if (family == 6 && ip instanceof Inet4Address) {
                throw new IllegalArgumentException("an IPv4-mapped address given as IPv6");
            }
            if (family == 6 && !(ip instanceof Inet6Address)) {
                throw new IllegalArgumentException("family");
            }
            return new InetSocketAddress(ip, port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Whether two keys are the same. */
    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
