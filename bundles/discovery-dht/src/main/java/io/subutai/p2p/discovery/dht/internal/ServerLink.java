package io.subutai.p2p.discovery.dht.internal;

import java.net.InetSocketAddress;
import java.util.List;

import io.subutai.p2p.wire.dht.DhtMessage;
import io.subutai.p2p.wire.dht.ServerName;

/**
 * One bootstrap server of one network, as its member sees it: where it is, the key it pinned
 * ({@code -dht HOST:PORT@KEY}, or learned on first contact), the key the two agree, the cookie
 * it last gave this member, and what it said last. Fields are volatile: the network's loop writes
 * most, the socket's thread the answers.
 */
final class ServerLink {

    /** {@code HOST:PORT} or the stream's URL, as {@code -dht} gave it (without the key). */
    final String name;
    /** Whether it is reached over a stream ({@code wss://...}), through the {@code Streams} service. */
    final boolean stream;
    /** The stream to it while a {@code Streams} service is there; null otherwise (and over UDP). Under the membership's lock. */
    io.subutai.p2p.spi.StreamLink link;
    /** Why the last stream could not be opened (said once in the log), or null. */
    volatile String streamError;
    volatile InetSocketAddress address; // null until it resolves
    volatile boolean resolving; // a look-up of its name is under way
    volatile long lastLookup; // when the last look-up began
    volatile long lastSent; // written by the network's loop, reset by updateEndpoints
    volatile List<DhtMessage.Relay> relays = List.of(); // the relays this server offered
    volatile long lastWelcome;
    volatile int refreshSeconds = 10;
    volatile InetSocketAddress reflexive; // as this server sees this node
    volatile byte[] pinned; // the server's key; null until learned
    volatile byte[] agreed; // with the server; null until its key is known
    volatile byte[] cookie = new byte[DhtMessage.COOKIE];
    volatile long lastCookie; // when a cookie last made this member register at once
    volatile long wrongKey; // cookie replies with another key than the pinned one
    volatile long unauthentic; // answers without a valid MAC

    ServerLink(ServerName name) {
        this.name = name.name();
        this.stream = name.stream();
        this.pinned = name.key();
    }
}
