package io.subutai.p2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.core.internal.mesh.KeyQueue;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Mesh;
import io.subutai.p2p.core.internal.mesh.Routes;
import io.subutai.p2p.core.internal.mesh.Secrets;
import io.subutai.p2p.core.internal.mesh.Suites;
import io.subutai.p2p.core.internal.mesh.Timing;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Sighting;
import io.subutai.p2p.spi.StaticKeys;
import io.subutai.p2p.spi.TapSpec;
import io.subutai.p2p.tap.memory.internal.MemoryTap;
import io.subutai.p2p.tap.memory.internal.MemoryTapDriver;
import io.subutai.p2p.wire.Header;

/**
 * What a stranger learns of a network's key when a member handshakes with it (the threat
 * review's C1 b): a member initiates to every key discovery reports, and IKpsk2's first message
 * opens without the PSK. Its payload must hold nothing that tests a guess of the key without
 * paying for the stretch (docs/protocol.md 4.0).
 */
class SecretsOnTheWireTest {

    private final VirtualClock clock = new VirtualClock(1_800_000_000_000L);
    private final SimNetwork net = new SimNetwork(clock);
    private final NoiseSuite suite = new NoiseSuite(MeshSimulationTest.config());
    private Mesh member;

    @AfterEach
    void tearDown() {
        if (member != null) {
            member.close();
        }
        net.close();
    }

    @Test
    void aStrangerAMemberHandshakesWithReadsOnlyTheIdOfTheStretchedKey() throws Exception {
        MemoryTap tap = (MemoryTap) new MemoryTapDriver().open(new TapSpec("wire1", MacAddress.parse("06:00:00:00:00:01"),
                1500, Ipv4Cidr.parse("10.10.10.1/24")));
        clock.settlesWhen(tap::idle);
        KeyQueue keys = new KeyQueue();
        keys.add("weak-key", Long.MAX_VALUE);
        member = Mesh.start(new Mesh.Config("wire1", tap, net.socket(1), Routes.NONE, Suites.classic(suite), null,
                suite.generateKeys(), keys, MeshLog.NONE, clock.loop(), Timing.DEFAULT, null, false));
        // a stranger that discovery reported (a key registered at a bootstrap server, or beaconed on the LAN)
        StaticKeys stranger = suite.generateKeys();
        SimNetwork.Socket at = net.socket(9);
        AtomicReference<byte[]> initiation = new AtomicReference<>();
        at.register(1, (from, datagram) -> {
            byte[] b = new byte[datagram.remaining()];
            datagram.duplicate().get(b);
            initiation.compareAndSet(null, b);
        });
        member.peerSeen(new Sighting(stranger.publicKey(), List.of(at.localAddress())));
        clock.await(() -> initiation.get() != null, Duration.ofSeconds(5), "the member's initiation");

        // the stranger opens it with its own static key: IKpsk2's first message needs no PSK
        ByteBuffer m = ByteBuffer.wrap(initiation.get());
        m.position(Header.SIZE + 4 + 1); // the header, the sender index, the suite
        m.limit(m.limit() - 2 * io.subutai.p2p.core.internal.mesh.Macs.MAC); // mac1 and mac2 end it
        Handshake h = suite.respond(stranger, suite.derivePsk(new byte[32]));
        ByteBuffer payload = ByteBuffer.allocate(2048);
        h.readMessage(m, payload);
        payload.flip();
        int keyId = payload.getInt();

        assertEquals(Secrets.keyId(Secrets.stretch("weak-key")), keyId, "the id of the stretched key, which costs an Argon2id to test");
        for (String label : new String[] {"p2p key id v1", "p2p key id v3"}) {
            assertNotEquals(rawId(label, "weak-key"), keyId, "not a digest of the key as typed");
        }
        byte[] all = new byte[payload.capacity()];
        payload.rewind();
        payload.get(all, 0, payload.limit());
        assertFalse(new String(all, StandardCharsets.ISO_8859_1).contains("weak-key"), "the key itself is nowhere");
    }

    private static int rawId(String label, String key) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(label.getBytes(StandardCharsets.US_ASCII));
        byte[] h = d.digest(key.getBytes(StandardCharsets.UTF_8));
        return ((h[0] & 255) << 24) | ((h[1] & 255) << 16) | ((h[2] & 255) << 8) | (h[3] & 255);
    }
}
