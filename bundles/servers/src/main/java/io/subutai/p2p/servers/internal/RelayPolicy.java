package io.subutai.p2p.servers.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.subutai.p2p.wire.dht.DhtMessage;

/**
 * Which relays a bootstrap server offers (docs/protocol.md §7.6): the operator decides,
 * never whoever announces first. With an allowlist ({@code dht-server -relay HOST:PORT}) only
 * relays on it that announced themselves in the last {@link BootstrapServer#FORGET_SECONDS} s;
 * without one, only relays on the server's own host (announced from one of its addresses, or
 * loopback). Anything else is ignored. The server thread's alone.
 */
final class RelayPolicy {

    private final Set<InetSocketAddress> allowed;
    private final Set<InetAddress> own;
    private final Map<InetSocketAddress, Long> heard = new LinkedHashMap<>(); // relay -> last heard
    private final Map<InetSocketAddress, DhtMessage.Relay> streams = new java.util.HashMap<>(); // relay -> as announced
    private volatile int count;

    private RelayPolicy(Set<InetSocketAddress> allowed, Set<InetAddress> own) {
        this.allowed = allowed;
        this.own = own;
    }

    /** The policy of a server at {@code listen} with {@code allowed} relays (empty: its own host's only). */
    static RelayPolicy of(List<InetSocketAddress> allowed, InetAddress listen) {
        Set<InetAddress> own = new HashSet<>();
        if (listen != null) {
            own.add(listen);
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                own.addAll(Collections.list(nif.getInetAddresses()));
            }
        } catch (SocketException e) {
            // loopback and the listen address still count
        }
        return new RelayPolicy(Set.copyOf(allowed), own);
    }

    /** What the server says at start about its relays. */
    String describe() {
        if (!allowed.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (InetSocketAddress a : allowed) {
                names.add(a.getAddress().getHostAddress() + ":" + a.getPort());
            }
            return "Bootstrap server offers only these relays (when they announce themselves): " + String.join(", ", names);
        }
        return "Bootstrap server offers only relays on this host; to offer others, give each with -relay HOST:PORT"
                + " (p2p dht-server) or relays=HOST:PORT,... (io.subutai.p2p.dht.server)";
    }

    /** A PROXY from {@code relay} (its address as the server saw it, the port it gave) that takes no streams. */
    void announced(InetSocketAddress relay, long now, Consumer<String> log) {
        announced(DhtMessage.Relay.udp(relay), now, log);
    }

    /** A PROXY: the relay at {@code announced.address()} (as the server saw it, with the port it gave), and its streams. */
    void announced(DhtMessage.Relay announced, long now, Consumer<String> log) {
        InetSocketAddress relay = announced.address();
        boolean ok = allowed.isEmpty() ? relay.getAddress().isLoopbackAddress() || own.contains(relay.getAddress())
                : allowed.contains(relay);
        if (!ok || !heard.containsKey(relay) && heard.size() >= DhtMessage.MAX_ENDPOINTS) {
            return;
        }
        if (heard.put(relay, now) == null) {
            log.accept("Relay " + relay.getAddress().getHostAddress() + ":" + relay.getPort() + " announced itself"
                    + (announced.streamPort() == 0 ? "" : ", with streams on TCP port " + announced.streamPort()));
        }
        streams.put(relay, announced);
        count = heard.size();
    }

    /** The relays to offer now. */
    List<DhtMessage.Relay> offered() {
        List<DhtMessage.Relay> out = new ArrayList<>();
        for (InetSocketAddress a : heard.keySet()) {
            out.add(streams.getOrDefault(a, DhtMessage.Relay.udp(a)));
        }
        return out;
    }

    int count() {
        return count;
    }

    /** Forgets relays not heard for {@code limit} ns. */
    void sweep(long now, long limit) {
        heard.values().removeIf(t -> now - t > limit);
        streams.keySet().retainAll(heard.keySet());
        count = heard.size();
    }
}
