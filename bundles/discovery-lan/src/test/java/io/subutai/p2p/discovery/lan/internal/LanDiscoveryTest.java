package io.subutai.p2p.discovery.lan.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import io.subutai.p2p.spi.Credentials;
import io.subutai.p2p.spi.DiscoveryListener;
import io.subutai.p2p.spi.Membership;
import io.subutai.p2p.spi.NetworkRef;
import io.subutai.p2p.spi.PeerId;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.wire.lan.Beacon;

/** Beacons count only when a member tagged them, lately (docs/protocol.md §6). */
class LanDiscoveryTest {

    private static final String ID = "00112233445566778899aabbccddeeff";

    /** Tags as a member of the network whose record key is {@code key} would. */
    private record Tagging(byte[] key) implements Credentials {
        @Override
        public byte[] seal(byte[] record) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return Arrays.copyOf(mac.doFinal(record), TAG_LENGTH);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean verify(byte[] record, byte[] tag) {
            return Arrays.equals(seal(record), tag);
        }

        @Override
        public byte[] agree(byte[] peerPublic, String label) {
            return null;
        }
    }

    private static final Tagging MEMBER = new Tagging("the network".getBytes(StandardCharsets.US_ASCII));
    private static final Tagging OUTSIDER = new Tagging("a guess".getBytes(StandardCharsets.US_ASCII));

    private final List<Sighting> seen = new CopyOnWriteArrayList<>();

    private static <T> T proxy(Class<T> type, java.util.function.Function<String, Object> answer) {
        return type.cast(Proxy.newProxyInstance(LanDiscoveryTest.class.getClassLoader(), new Class<?>[] {type},
                (p, m, args) -> m.getDeclaringClass() == Object.class ? m.invoke(answer, args) : answer.apply(
                        m.getName().equals("getProperty") ? (String) args[0] : m.getName())));
    }

    private LanDiscovery discovery() throws Exception {
        LanDiscovery.Config config = proxy(LanDiscovery.Config.class, name -> switch (name) {
            case "group" -> "239.255.77.77";
            case "group6" -> "";
            case "port" -> 52525;
            case "interval", "timeout" -> 1000L;
            default -> null;
        });
        BundleContext context = proxy(BundleContext.class, name -> LanDiscovery.SWITCH.equals(name) ? "off" : null);
        Logger log = proxy(Logger.class, name -> null);
        return new LanDiscovery(config, context, log);
    }

    private Membership join(LanDiscovery d) {
        NetworkRef ref = new NetworkRef(ID, new PeerId("self"), key(0), List.of(), null, List.of(), null, false, null, MEMBER);
        return d.join(ref, new DiscoveryListener() {
            @Override
            public void peerSeen(Sighting s) {
                seen.add(s);
            }

            @Override
            public void peerGone(byte[] staticKey) {
            }
        });
    }

    private static byte[] key(int n) {
        byte[] k = new byte[32];
        k[0] = (byte) (n >> 8);
        k[1] = (byte) n;
        k[31] = 1;
        return k;
    }

    private static Beacon beacon(int n, long time, Credentials by) {
        Beacon b = Beacon.untagged(ID, key(n), 6881, time);
        return b.tagged(by.seal(b.signed()));
    }

    @Test
    void onlyAMembersRecentBeaconsMakeSightings() throws Exception {
        LanDiscovery d = discovery();
        Membership m = join(d);
        InetAddress from = InetAddress.getByName("192.0.2.7");
        long now = System.currentTimeMillis();
        d.seen(beacon(1, now, OUTSIDER), from);
        assertEquals(0, seen.size(), "an outsider's beacon, with the network's id, is dropped");
        d.seen(beacon(2, now - LanDiscovery.SKEW_MILLIS - 5_000, MEMBER), from);
        assertEquals(0, seen.size(), "as is a member's old beacon (a replay)");
        Beacon altered = beacon(3, now, MEMBER);
        d.seen(new Beacon(altered.networkId(), altered.staticKey(), 9999, altered.time(), altered.tag()), from);
        assertEquals(0, seen.size(), "and one whose port was changed");
        d.seen(beacon(4, now, MEMBER), from);
        assertEquals(1, seen.size());
        assertEquals(new InetSocketAddress(from, 6881), seen.get(0).endpoints().get(0));
        assertTrue(m.describe().get(0).contains("3 beacons dropped"), m.describe().toString());
        m.close();
    }

    @Test
    void oneNetworkHearsOfAtMostAsManyMembersAsItMayHave() throws Exception {
        LanDiscovery d = discovery();
        Membership m = join(d);
        InetAddress from = InetAddress.getByName("192.0.2.7");
        for (int i = 1; i <= LanDiscovery.MAX_MEMBERS + 500; i++) {
            d.seen(beacon(i, System.currentTimeMillis(), MEMBER), from);
        }
        assertEquals(LanDiscovery.MAX_MEMBERS, seen.size());
        m.close();
    }
}
