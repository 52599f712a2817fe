package io.subutai.p2p.discovery.lan.internal;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.DiscoveryProvider;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.wire.lan.Beacon;

/**
 * Finds members of a network on the LAN, with no server: every member multicasts a beacon (its
 * network's public id, its static key, its UDP port, the time) on every multicast-capable
 * interface, tagged with the network's record key, and listens for the beacons of others. A
 * beacon names the network by a digest of its hash, never the hash; a beacon without a member's
 * tag, or far from this node's clock, is dropped, so no outsider can make members handshake with
 * keys or addresses of its choosing.
 * Threads: {@code p2p-lan-receive} and {@code p2p-lan-beacon}, from the first join to the last leave.
 */
@Component(service = DiscoveryProvider.class, property = DiscoveryProvider.PROPERTY + "=lan",
        configurationPid = "io.subutai.p2p.discovery.lan")
@Designate(ocd = LanDiscovery.Config.class)
public final class LanDiscovery implements DiscoveryProvider {

    @ObjectClassDefinition(name = "p2p LAN discovery")
    public @interface Config {
        @AttributeDefinition(description = "multicast group of the beacons")
        String group() default "239.255.77.77";

        @AttributeDefinition(description = "IPv6 multicast group of the beacons, on interfaces without IPv4 (empty: none)")
        String group6() default "ff02::1:77";

        @AttributeDefinition(description = "UDP port of the beacons")
        int port() default 52525;

        @AttributeDefinition(description = "milliseconds between beacons")
        long interval() default 2000;

        @AttributeDefinition(description = "milliseconds without a beacon after which a member is gone")
        long timeout() default 15000;
    }

    /** One network joined. */
    private final class Joined implements Membership {
        final NetworkRef ref;
        final DiscoveryListener listener;
        final Map<String, Long> lastSeen = new ConcurrentHashMap<>(); // static key (hex) -> nanos
        final Map<String, byte[]> keys = new ConcurrentHashMap<>();
        final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>(); // static key (hex) -> where it beacons from
        /** Beacons dropped: their tag failed (no member made them), or their time is far from this node's. */
        final java.util.concurrent.atomic.AtomicLong forged = new java.util.concurrent.atomic.AtomicLong();

        Joined(NetworkRef ref, DiscoveryListener listener) {
            this.ref = ref;
            this.listener = listener;
        }

        @Override
        public void updateEndpoints(List<InetSocketAddress> endpoints) {
            // the beacon carries the port; the address is the one the beacon comes from
        }

        @Override
        public List<String> describe() {
            return List.of("LAN: " + lastSeen.size() + " members heard; " + forged.get()
                    + " beacons dropped (not a member's tag, or a time more than " + SKEW_MILLIS / 1000 + " s off)");
        }

        @Override
        public void close() {
            leave(this);
        }
    }

    /** A beacon's time may differ from this node's clock by this much (a replay of an older one is dropped). */
    static final long SKEW_MILLIS = 60_000;
    /** The most members one network hears of on the LAN (as many as a network may have). */
    static final int MAX_MEMBERS = 1024;

    private final Logger log;
    private final InetAddress group;
    private final InetAddress group6; // null: no IPv6 beacons
    private final int port;
    private final long interval;
    private final long timeoutNanos;
    private final List<Joined> joined = new CopyOnWriteArrayList<>();

    // guarded by this: the socket and threads, alive while something is joined
    private MulticastSocket socket;
    private Thread receiver;
    private ScheduledExecutorService beacons;

    /** Framework property: {@code off} keeps beacons off (tests that run outside a namespace of their own). */
    static final String SWITCH = "p2p.discovery.lan";

    private final boolean enabled;

    @Activate
    public LanDiscovery(Config config, BundleContext context, @Reference(service = LoggerFactory.class) Logger log)
            throws IOException {
        this.log = log;
        this.enabled = !"off".equals(context.getProperty(SWITCH));
        this.group = InetAddress.getByName(config.group());
        if (!group.isMulticastAddress()) {
            throw new IOException(config.group() + " is not a multicast address");
        }
        this.group6 = config.group6().isBlank() ? null : InetAddress.getByName(config.group6());
        if (group6 != null && !(group6 instanceof java.net.Inet6Address && group6.isMulticastAddress())) {
            throw new IOException(config.group6() + " is not an IPv6 multicast address");
        }
        this.port = config.port();
        this.interval = config.interval();
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.timeout());
    }

    @Override
    public synchronized Membership join(NetworkRef network, DiscoveryListener listener) {
        Joined j = new Joined(network, listener);
        joined.add(j);
        if (!enabled) {
            log.info("LAN discovery is off ({}=off)", SWITCH);
            return j;
        }
        if (socket == null) {
            try {
                open();
            } catch (IOException e) {
                log.error("LAN discovery cannot listen on {}:{}: {}", group.getHostAddress(), port, e.getMessage());
            }
        } else {
            answer(); // announce the new member now, not at the next interval
        }
        return j;
    }

    private synchronized void leave(Joined j) {
        joined.remove(j);
        if (joined.isEmpty()) {
            stop();
        }
    }

    private void open() throws IOException {
        MulticastSocket s = new MulticastSocket(null);
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(port));
        s.setTimeToLive(1);
        int interfaces = 0;
        for (NetworkInterface nif : multicastInterfaces()) {
            try {
                s.joinGroup(new InetSocketAddress(group, 0), nif);
                interfaces++;
            } catch (IOException e) {
                log.debug("LAN discovery: not on {}: {}", nif.getName(), e.getMessage());
            }
            if (group6 != null && has(nif, java.net.Inet6Address.class)) {
                try {
                    s.joinGroup(new InetSocketAddress(group6, 0), nif);
                } catch (IOException e) {
                    log.debug("LAN discovery: not on {} by IPv6: {}", nif.getName(), e.getMessage());
                }
            }
        }
        socket = s;
        receiver = new Thread(() -> receive(s), "p2p-lan-receive");
        receiver.setDaemon(true);
        receiver.start();
        beacons = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "p2p-lan-beacon"));
        beacons.scheduleWithFixedDelay(this::beaconAndSweep, 0, interval, TimeUnit.MILLISECONDS);
        log.info("LAN discovery on {}:{} ({} interfaces)", group.getHostAddress(), port, interfaces);
    }

    private static boolean has(NetworkInterface nif, Class<? extends InetAddress> family) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
            if (family.isInstance(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the interface is a TUN or TAP device (Linux lists {@code tun_flags} for those): an
     * overlay, p2p's own or another VPN's, is no LAN to find members on; a member found through
     * p2p's own overlay would be reached through itself.
     */
    private static boolean tunOrTap(String name) {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", name, "tun_flags"));
    }

    private static List<NetworkInterface> multicastInterfaces() throws SocketException {
        List<NetworkInterface> out = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && nif.supportsMulticast() && !nif.isLoopback() && !nif.getName().startsWith("vptp")
                    && !tunOrTap(nif.getName())) {
                out.add(nif);
            }
        }
        return out;
    }

    private void receive(MulticastSocket s) {
        byte[] buf = new byte[Beacon.SIZE + 1];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        while (!s.isClosed()) {
            try {
                packet.setLength(buf.length);
                s.receive(packet);
            } catch (IOException e) {
                return; // closed
            }
            Beacon b = Beacon.decode(buf, packet.getLength());
            if (b != null) {
                seen(b, packet.getAddress());
            }
        }
    }

    /**
     * A beacon came from {@code from}: tell the members of its network (not its sender), if a
     * member tagged it, lately.
     */
    void seen(Beacon b, InetAddress from) {
        for (Joined j : joined) {
            if (!j.ref.networkId().equals(b.networkId()) || Arrays.equals(j.ref.staticKey(), b.staticKey())) {
                continue;
            }
            if (Math.abs(System.currentTimeMillis() - b.time()) > SKEW_MILLIS
                    || !j.ref.credentials().verify(b.signed(), b.tag())) {
                j.forged.incrementAndGet();
                continue;
            }
            String key = java.util.HexFormat.of().formatHex(b.staticKey());
            if (!j.lastSeen.containsKey(key) && j.lastSeen.size() >= MAX_MEMBERS) {
                continue;
            }
            boolean fresh = j.lastSeen.put(key, System.nanoTime()) == null;
            j.keys.put(key, b.staticKey());
            InetSocketAddress at = new InetSocketAddress(from, b.port());
            if (fresh || !at.equals(j.addresses.put(key, at))) {
                j.addresses.put(key, at);
                try {
                    j.listener.peerSeen(new Sighting(b.staticKey(), List.of(at))); // first seen, or moved
                } catch (RuntimeException e) {
                    log.warn("LAN discovery listener failed: {}", e.toString());
                }
            }
            if (fresh) {
                answer();
            }
        }
    }

    /** A newcomer is answered at once, so it need not wait a whole interval to learn of this node. */
    private void answer() {
        ScheduledExecutorService b;
        synchronized (this) {
            b = beacons;
        }
        if (b != null) {
            try {
                b.execute(this::beaconAndSweep);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        }
    }

    private void beaconAndSweep() {
        MulticastSocket s;
        synchronized (this) {
            s = socket;
        }
        if (s == null) {
            return;
        }
        List<NetworkInterface> nifs;
        try {
            nifs = multicastInterfaces();
        } catch (SocketException e) {
            return;
        }
        for (Joined j : joined) {
            Beacon untagged = Beacon.untagged(j.ref.networkId(), j.ref.staticKey(), j.ref.socket().localAddress().getPort(),
                    System.currentTimeMillis());
            byte[] beacon;
            try {
                beacon = untagged.tagged(j.ref.credentials().seal(untagged.signed())).encode();
            } catch (IllegalStateException e) {
                continue; // the network has no valid key now: it cannot prove membership
            }
            for (NetworkInterface nif : nifs) {
                // IPv4 where the interface has it; IPv6 (link-local) on an IPv6-only LAN
                InetAddress to = group6 == null || has(nif, java.net.Inet4Address.class) ? group
                        : has(nif, java.net.Inet6Address.class) ? group6 : group;
                try {
                    s.setNetworkInterface(nif);
                    s.send(new DatagramPacket(beacon, beacon.length, to, port));
                } catch (IOException e) {
                    log.debug("LAN beacon on {}: {}", nif.getName(), e.getMessage());
                }
            }
            long now = System.nanoTime();
            j.lastSeen.forEach((key, seen) -> {
                if (now - seen > timeoutNanos && j.lastSeen.remove(key, seen)) {
                    byte[] k = j.keys.remove(key);
                    j.addresses.remove(key);
                    if (k != null) {
                        j.listener.peerGone(k);
                    }
                }
            });
        }
    }

    private void stop() {
        if (socket == null) {
            return;
        }
        beacons.shutdownNow();
        socket.close();
        try {
            receiver.join(2000);
            beacons.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket = null;
        receiver = null;
        beacons = null;
    }

    @Deactivate
    synchronized void deactivate() {
        joined.clear();
        stop();
    }
}
