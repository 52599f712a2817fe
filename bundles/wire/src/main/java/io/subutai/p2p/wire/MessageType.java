package io.subutai.p2p.wire;

/**
 * The one table of message types (docs/protocol.md §3): the second byte of the {@link Header}.
 * Plain {@code int} constants, so that the data path switches on them without boxing; {@link
 * #name} is for logs.
 */
public final class MessageType {

    /** The first handshake message, initiator to responder (docs/protocol.md §4.1). */
    public static final int HANDSHAKE_INIT = 1;
    /** The second handshake message, responder to initiator (§4.2). */
    public static final int HANDSHAKE_RESP = 2;
    /** A responder under load asks for proof of the address (planned). */
    public static final int COOKIE_REPLY = 3;
    /** A sealed frame or control message of an established session (§5). */
    public static final int DATA = 4;
    /** A member announcing itself on the LAN (§6, {@link io.subutai.p2p.wire.lan.Beacon}). */
    public static final int LAN_BEACON = 5;
    /** Between members and a bootstrap server (§7, {@link io.subutai.p2p.wire.dht.DhtMessage}). */
    public static final int BOOTSTRAP = 6;
    /** Opens a NAT toward a peer; dropped on arrival (§4.4, {@link Punch}). */
    public static final int PUNCH = 7;
    /** Between a member and a relay (§8, {@link io.subutai.p2p.wire.relay.RelayMessage}). */
    public static final int RELAY = 8;
    /**
     * A responder's unauthenticated notice that it will not answer an initiation made with a
     * suite it lacks or its network does not accept, with the suites it would take (§4.5).
     */
    public static final int HANDSHAKE_REFUSED = 9;

    private static final String[] NAMES = {null, "HANDSHAKE_INIT", "HANDSHAKE_RESP", "COOKIE_REPLY", "DATA", "LAN_BEACON",
        "BOOTSTRAP", "PUNCH", "RELAY", "HANDSHAKE_REFUSED"};

    private MessageType() {
    }

    /** The type's name as the table gives it, or {@code "type N"} for a number the table does not have. */
    public static String name(int type) {
        return type > 0 && type < NAMES.length ? NAMES[type] : "type " + type;
    }
}
