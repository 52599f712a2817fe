package io.subutai.p2p.wire.dht;

import java.net.InetSocketAddress;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import io.subutai.p2p.wire.Header;
import io.subutai.p2p.wire.KeyAgreement;
import io.subutai.p2p.wire.MessageType;

/**
 * One bootstrap message (docs/protocol.md §7): the common header with type {@link #TYPE}, an
 * operation, the network id (a digest of the stretched secret: the server never learns it), the
 * operation's fields, and, for every operation but PROXY and COOKIE, a {@link #MAC} of all that,
 * keyed with the key the member and the server agree ({@link #AGREEMENT_LABEL}). {@link #decode}
 * accepts exactly the layouts of the specification and nothing else and never throws on bad input;
 * {@link #authentic} checks the MAC.
 */
public sealed interface DhtMessage {

    /** The message type of the common header (docs/protocol.md §3). */
    int TYPE = MessageType.BOOTSTRAP;
    int KEY = 32;
    int NETWORK_ID = 16;
    int COOKIE = 16;
    int TAG = 16;
    int MAC = KeyAgreement.MAC;
    /** The label of the key a member and a server agree ({@code KeyAgreement.agree}). */
    String AGREEMENT_LABEL = "p2p dht v3";
    /** At most this many endpoints per member, and members per PEERS or GONE message. */
    int MAX_ENDPOINTS = 8;
    int MAX_MEMBERS = 16;
    /** At most this many relays per RELAYS message. */
    int MAX_RELAYS = 8;
    /** The SHA-256 of a relay's TLS certificate (docs/protocol.md §10). */
    int CERTIFICATE = 32;

    int OP_REGISTER = 1;
    int OP_WELCOME = 2;
    int OP_PEERS = 3;
    int OP_GONE = 4;
    /** The rendezvous RELAY of version 2, removed: refused. */
    int OP_RELAY_REMOVED = 5;
    int OP_LEAVE = 6;
    int OP_PROXY = 7;
    int OP_RELAYS = 8;
    int OP_COOKIE = 9;

    /** The network id, 16 bytes. */
    byte[] networkId();

    /** A member's record as the member tagged it: the bytes the tag covers, and what they say. */
    record Signed(byte[] bytes, byte[] tag, DhtRecord record) {

        /** Tags {@code record} with {@code tagger} (the network's {@code Credentials.seal}). */
        public static Signed of(DhtRecord record, java.util.function.UnaryOperator<byte[]> tagger) {
            byte[] b = record.encode();
            return new Signed(b, tagger.apply(b), record);
        }
    }

    /**
     * A member's announcement and refresh: the cookie the server gave this source (zeros when it has
     * none) and its tagged record. Its MAC proves the record's static key.
     */
    record Register(byte[] networkId, byte[] cookie, Signed signed) implements DhtMessage {
    }

    /**
     * The server's answer to a proven registration: where it saw the member from (port 0: over a
     * stream, so no UDP mapping), and the overlay address it holds for it (0: none).
     */
    record Welcome(byte[] networkId, InetSocketAddress reflexive, int address, int prefix, int refreshSeconds)
            implements DhtMessage {
    }

    /** Members of the network: each one's record as it tagged it, and where the server saw it from (port 0: over a stream). */
    record Peers(byte[] networkId, List<Member> members) implements DhtMessage {
    }

    /** Members that left or were forgotten. */
    record Gone(byte[] networkId, List<byte[]> staticKeys) implements DhtMessage {
    }

    /**
     * A relay announcing itself (network id all zeros): its port; its address is where this came
     * from; the TCP port where it takes streams (0: none) and the SHA-256 of its TLS certificate
     * (null: none).
     */
    record Proxy(byte[] networkId, int port, int streamPort, byte[] certificate) implements DhtMessage {

        /** A relay that takes no streams. */
        public Proxy(byte[] networkId, int port) {
            this(networkId, port, 0, null);
        }
    }

    /** The relays the server offers to the members of a network. */
    record Relays(byte[] networkId, List<Relay> relays) implements DhtMessage {
    }

    /**
     * A relay as RELAYS offers it: its UDP endpoint, the TCP port where it takes streams (0: none)
     * and the SHA-256 of its TLS certificate (null: none announced).
     */
    record Relay(InetSocketAddress address, int streamPort, byte[] certificate) {

        /** A relay that takes no streams. */
        public static Relay udp(InetSocketAddress address) {
            return new Relay(address, 0, null);
        }
    }

    /** A member leaving now; {@code time} is at least that of its last record, so an old LEAVE cannot be replayed. */
    record Leave(byte[] networkId, byte[] staticKey, long time) implements DhtMessage {
    }

    /** The server's answer to a REGISTER whose cookie it does not accept: a cookie for that source, and the server's static key. */
    record Cookie(byte[] networkId, byte[] cookie, byte[] serverKey) implements DhtMessage {
    }

    /** A member as PEERS lists it. */
    record Member(InetSocketAddress reflexive, Signed signed) {
    }

    /** Bytes as hex, for maps and logs. */
    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** Whether messages of operation {@code op} end with a MAC. */
    static boolean authenticated(int op) {
        return op != OP_PROXY && op != OP_COOKIE;
    }

    /** Writes a message without a MAC (PROXY, COOKIE) into {@code out} (from its position) as one datagram. */
    static void encode(DhtMessage m, ByteBuffer out) {
        encode(m, out, null);
    }

    /**
     * Writes the message into {@code out} (from its position) as one datagram, with its MAC keyed
     * with {@code key} when its operation has one (all zeros when {@code key} is null: a first
     * REGISTER, before the server's key is known).
     */
    static void encode(DhtMessage m, ByteBuffer out, byte[] key) {
        int start = out.position();
        Header.write(out, TYPE);
        if (m.networkId().length != NETWORK_ID) {
            throw new IllegalArgumentException("network id of " + m.networkId().length + " bytes");
        }
        int op = body(m, out);
        if (authenticated(op)) {
            byte[] covered = new byte[out.position() - start];
            out.duplicate().position(start).get(covered);
            out.put(key == null ? new byte[MAC] : KeyAgreement.mac(key, covered, 0, covered.length));
        }
    }

    private static int body(DhtMessage m, ByteBuffer out) {
        if (m instanceof Register r) {
            out.put((byte) OP_REGISTER).put(r.networkId()).put(fixed(r.cookie(), COOKIE, "cookie"));
            signed(out, r.signed());
            return OP_REGISTER;
        } else if (m instanceof Welcome w) {
            out.put((byte) OP_WELCOME).put(w.networkId());
            DhtRecord.writeReflexive(out, w.reflexive());
            out.putInt(w.address()).put((byte) w.prefix()).put((byte) w.refreshSeconds());
            return OP_WELCOME;
        } else if (m instanceof Peers p) {
            out.put((byte) OP_PEERS).put(p.networkId()).put((byte) count(p.members().size()));
            for (Member member : p.members()) {
                DhtRecord.writeReflexive(out, member.reflexive());
                signed(out, member.signed());
            }
            return OP_PEERS;
        } else if (m instanceof Gone g) {
            out.put((byte) OP_GONE).put(g.networkId()).put((byte) count(g.staticKeys().size()));
            for (byte[] k : g.staticKeys()) {
                out.put(fixed(k, KEY, "static key"));
            }
            return OP_GONE;
        } else if (m instanceof Proxy p) {
            out.put((byte) OP_PROXY).put(p.networkId()).putShort((short) p.port()).putShort((short) p.streamPort())
                    .put(p.certificate() == null ? new byte[CERTIFICATE] : fixed(p.certificate(), CERTIFICATE, "certificate"));
            return OP_PROXY;
        } else if (m instanceof Relays r) {
            if (r.relays().size() > MAX_RELAYS) {
                throw new IllegalArgumentException(r.relays().size() + " relays in one message");
            }
            out.put((byte) OP_RELAYS).put(r.networkId()).put((byte) r.relays().size());
            for (Relay relay : r.relays()) {
                DhtRecord.writeEndpoint(out, relay.address());
                out.putShort((short) relay.streamPort()).put(relay.certificate() == null ? new byte[CERTIFICATE]
                        : fixed(relay.certificate(), CERTIFICATE, "certificate"));
            }
            return OP_RELAYS;
        } else if (m instanceof Leave l) {
            out.put((byte) OP_LEAVE).put(l.networkId()).put(fixed(l.staticKey(), KEY, "static key")).putLong(l.time());
            return OP_LEAVE;
        }
        Cookie c = (Cookie) m;
        out.put((byte) OP_COOKIE).put(c.networkId()).put(fixed(c.cookie(), COOKIE, "cookie"))
                .put(fixed(c.serverKey(), KEY, "server key"));
        return OP_COOKIE;
    }

    private static int count(int n) {
        if (n > MAX_MEMBERS) {
            throw new IllegalArgumentException(n + " members in one message");
        }
        return n;
    }

    private static byte[] fixed(byte[] b, int length, String what) {
        if (b.length != length) {
            throw new IllegalArgumentException(what + " of " + b.length + " bytes");
        }
        return b;
    }

    /** {@code length (1) | record | tag (16)}. */
    private static void signed(ByteBuffer out, Signed s) {
        if (s.bytes().length > DhtRecord.MAX_SIZE) {
            throw new IllegalArgumentException("record of " + s.bytes().length + " bytes");
        }
        out.put((byte) s.bytes().length).put(s.bytes()).put(fixed(s.tag(), TAG, "tag"));
    }

    /**
     * The message in {@code in} (position to limit, which it consumes), or null when it is not
     * exactly one well-formed bootstrap message of this version. The MAC, when the operation has
     * one, is skipped, not checked: see {@link #authentic}.
     */
    static DhtMessage decode(ByteBuffer in) {
        try {
            if (!Header.skip(in, TYPE)) {
                return null;
            }
            int op = in.get(in.position()) & 255;
            if (authenticated(op)) {
                in.limit(in.limit() - MAC); // throws when fewer bytes remain
            }
            DhtMessage m = decodeBody(in);
            if (m == null || in.hasRemaining()) {
                return null;
            }
            if (authenticated(op)) {
                in.limit(in.limit() + MAC).position(in.limit());
            }
            return m;
        } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    /**
     * Whether the datagram in {@code datagram} (position to limit; not moved) ends with the MAC of
     * the rest keyed with {@code key}. Constant time.
     */
    static boolean authentic(ByteBuffer datagram, byte[] key) {
        int n = datagram.remaining() - MAC;
        if (key == null || n < Header.SIZE) {
            return false;
        }
        byte[] all = new byte[datagram.remaining()];
        datagram.duplicate().get(all);
        return KeyAgreement.same(KeyAgreement.mac(key, all, 0, n), Arrays.copyOfRange(all, n, all.length));
    }

    private static DhtMessage decodeBody(ByteBuffer in) {
        int op = in.get();
        byte[] id = DhtRecord.bytes(in, NETWORK_ID);
        return switch (op) {
            case OP_REGISTER -> new Register(id, DhtRecord.bytes(in, COOKIE), signed(in));
            case OP_WELCOME -> {
                InetSocketAddress reflexive = DhtRecord.readReflexive(in);
                int address = in.getInt();
                int prefix = in.get() & 255;
                int refresh = in.get() & 255;
                if (refresh == 0 || prefix > 32) {
                    throw new IllegalArgumentException("refresh or prefix");
                }
                yield new Welcome(id, reflexive, address, prefix, refresh);
            }
            case OP_PEERS -> {
                int n = readCount(in);
                List<Member> members = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    members.add(new Member(DhtRecord.readReflexive(in), signed(in)));
                }
                yield new Peers(id, members);
            }
            case OP_GONE -> {
                int n = readCount(in);
                List<byte[]> keys = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    keys.add(DhtRecord.bytes(in, KEY));
                }
                yield new Gone(id, keys);
            }
            case OP_LEAVE -> new Leave(id, DhtRecord.bytes(in, KEY), in.getLong());
            case OP_PROXY -> {
                int port = in.getShort() & 0xffff;
                int streamPort = in.getShort() & 0xffff;
                byte[] certificate = certificate(in);
                if (port == 0 || streamPort == 0 && certificate != null) {
                    throw new IllegalArgumentException("port, or a certificate without streams");
                }
                yield new Proxy(id, port, streamPort, streamPort == 0 ? null : certificate);
            }
            case OP_RELAYS -> {
                int n = in.get() & 255;
                if (n > MAX_RELAYS) {
                    throw new IllegalArgumentException("count");
                }
                List<Relay> relays = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    InetSocketAddress a = DhtRecord.readEndpoint(in);
                    int streamPort = in.getShort() & 0xffff;
                    byte[] certificate = certificate(in);
                    if (streamPort == 0 && certificate != null) {
                        throw new IllegalArgumentException("a certificate without streams");
                    }
                    relays.add(new Relay(a, streamPort, streamPort == 0 ? null : certificate));
                }
                yield new Relays(id, relays);
            }
            case OP_COOKIE -> new Cookie(id, DhtRecord.bytes(in, COOKIE), DhtRecord.bytes(in, KEY));
            default -> null; // OP_RELAY_REMOVED among them
        };
    }

    /** A certificate's SHA-256; null when all zeros (none). */
    private static byte[] certificate(ByteBuffer in) {
        byte[] c = DhtRecord.bytes(in, CERTIFICATE);
        for (byte b : c) {
            if (b != 0) {
                return c;
            }
        }
        return null;
    }

    private static int readCount(ByteBuffer in) {
        int n = in.get() & 255;
        if (n > MAX_MEMBERS) {
            throw new IllegalArgumentException("count");
        }
        return n;
    }

    private static Signed signed(ByteBuffer in) {
        int n = in.get() & 255;
        byte[] bytes = DhtRecord.bytes(in, n);
        DhtRecord r = DhtRecord.decode(bytes);
        if (r == null) {
            throw new IllegalArgumentException("record");
        }
        return new Signed(bytes, DhtRecord.bytes(in, TAG), r);
    }

    /** Whether two keys are the same. */
    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
