package io.subutai.p2p.crypto.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

class NoiseIkTest {

    private static final HexFormat HEX = HexFormat.of();
    private final NoiseSuite suite = new NoiseSuite(config("aes-256-gcm,chacha20-poly1305"));
    private final StaticKeys alice = suite.generateKeys();
    private final StaticKeys bob = suite.generateKeys();
    private final byte[] psk = suite.derivePsk("network key".getBytes(StandardCharsets.UTF_8));

    /** Runs both messages; returns {initiator, responder}. */
    private static Handshake[] run(Handshake i, Handshake r, String payload1, String payload2) throws GeneralSecurityException {
        ByteBuffer m1 = ByteBuffer.allocate(512);
        i.writeMessage(ByteBuffer.wrap(payload1.getBytes(StandardCharsets.UTF_8)), m1);
        m1.flip();
        ByteBuffer p1 = ByteBuffer.allocate(512);
        r.readMessage(m1, p1);
        assertEquals(payload1, new String(p1.array(), 0, p1.position(), StandardCharsets.UTF_8));
        ByteBuffer m2 = ByteBuffer.allocate(512);
        r.writeMessage(ByteBuffer.wrap(payload2.getBytes(StandardCharsets.UTF_8)), m2);
        m2.flip();
        ByteBuffer p2 = ByteBuffer.allocate(512);
        i.readMessage(m2, p2);
        assertEquals(payload2, new String(p2.array(), 0, p2.position(), StandardCharsets.UTF_8));
        return new Handshake[] {i, r};
    }

    @Test
    void bothSidesAgreeAndTheirSessionsTalkBothWays() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        run(i, r, "hello", "welcome");
        assertTrue(i.isComplete() && r.isComplete());
        assertArrayEquals(alice.publicKey(), r.remoteStaticKey(), "the responder learns who called");
        assertArrayEquals(((NoiseIk) i).handshakeHash(), ((NoiseIk) r).handshakeHash());
        assertEquals(Aead.AES_256_GCM, ((NoiseIk) r).chosen(), "AES-GCM is preferred");
        Session a = i.split(0);
        Session b = r.split(0);
        assertEquals("frame one", roundTrip(a, b, "frame one"));
        assertEquals("and back", roundTrip(b, a, "and back"));
    }

    @Test
    void theResponderChoosesAmongWhatTheInitiatorOffers() throws GeneralSecurityException {
        NoiseSuite chachaOnly = new NoiseSuite(config("chacha20-poly1305"));
        Handshake i = chachaOnly.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        run(i, r, "", "");
        assertEquals(Aead.CHACHA20_POLY1305, ((NoiseIk) i).chosen());
        assertEquals("x", roundTrip(i.split(0), r.split(0), "x"));
    }

    @Test
    void aDifferentNetworkKeyNeverCompletes() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, suite.derivePsk("another key".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer m1 = ByteBuffer.allocate(512);
        i.writeMessage(ByteBuffer.allocate(0), m1);
        m1.flip();
        r.readMessage(m1, ByteBuffer.allocate(512)); // IKpsk2 mixes the PSK in the second message
        ByteBuffer m2 = ByteBuffer.allocate(512);
        r.writeMessage(ByteBuffer.allocate(0), m2);
        m2.flip();
        assertThrows(GeneralSecurityException.class, () -> i.readMessage(m2, ByteBuffer.allocate(512)));
        assertFalse(i.isComplete());
    }

    @Test
    void aWrongResponderKeyIsRefusedAtOnce() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, suite.generateKeys().publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        ByteBuffer m1 = ByteBuffer.allocate(512);
        i.writeMessage(ByteBuffer.allocate(0), m1);
        m1.flip();
        assertThrows(GeneralSecurityException.class, () -> r.readMessage(m1, ByteBuffer.allocate(512)));
    }

    @Test
    void aTamperedMessageChangesNothingAndTheGenuineOneStillWorks() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        ByteBuffer m1 = ByteBuffer.allocate(512);
        i.writeMessage(ByteBuffer.allocate(0), m1);
        m1.flip();
        for (int pos : new int[] {0, 31, 32, 60, m1.limit() - 1}) {
            ByteBuffer bad = ByteBuffer.allocate(m1.limit());
            bad.put(m1.duplicate()).flip();
            bad.put(pos, (byte) (bad.get(pos) ^ 1));
            assertThrows(GeneralSecurityException.class, () -> r.readMessage(bad, ByteBuffer.allocate(512)), "byte " + pos);
        }
        ByteBuffer truncated = m1.duplicate().limit(40);
        assertThrows(GeneralSecurityException.class, () -> r.readMessage(truncated, ByteBuffer.allocate(512)));
        assertFalse(r.isComplete());
        r.readMessage(m1, ByteBuffer.allocate(512));
        ByteBuffer m2 = ByteBuffer.allocate(512);
        r.writeMessage(ByteBuffer.allocate(0), m2);
        m2.flip();
        i.readMessage(m2, ByteBuffer.allocate(512));
        assertEquals("ok", roundTrip(i.split(0), r.split(0), "ok"));
    }

    @Test
    void fixedKeysGiveFixedMessages() throws GeneralSecurityException {
        // A regression vector: fixed static and ephemeral keys must give these exact messages, so a
        // change in the wire format or the key schedule cannot go unnoticed.
        byte[] aPriv = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bPriv = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        StaticKeys a = new StaticKeys(aPriv, Curve25519.publicKey(aPriv));
        StaticKeys b = new StaticKeys(bPriv, Curve25519.publicKey(bPriv));
        byte[] fixedPsk = new byte[32];
        Deque<byte[]> eph = new ArrayDeque<>(List.of(filled(1), filled(2)));
        NoiseIk i = new NoiseIk(NoiseIk.Role.INITIATOR, a, b.publicKey(), fixedPsk, List.of(Aead.values()), eph::poll);
        NoiseIk r = new NoiseIk(NoiseIk.Role.RESPONDER, b, null, fixedPsk, List.of(Aead.values()), eph::poll);
        ByteBuffer m1 = ByteBuffer.allocate(512);
        i.writeMessage(ByteBuffer.allocate(0), m1);
        m1.flip();
        byte[] m1bytes = new byte[m1.remaining()];
        m1.duplicate().get(m1bytes);
        r.readMessage(m1, ByteBuffer.allocate(512));
        ByteBuffer m2 = ByteBuffer.allocate(512);
        r.writeMessage(ByteBuffer.allocate(0), m2);
        m2.flip();
        byte[] m2bytes = new byte[m2.remaining()];
        m2.duplicate().get(m2bytes);
        i.readMessage(m2, ByteBuffer.allocate(512));
        assertEquals(32 + 48 + 3 + 16, m1bytes.length);
        assertEquals(32 + 1 + 16, m2bytes.length);
        assertEquals(EXPECTED_M1, HEX.formatHex(m1bytes));
        assertEquals(EXPECTED_M2, HEX.formatHex(m2bytes));
        assertEquals(EXPECTED_HASH, HEX.formatHex(i.handshakeHash()));
    }

    static final String EXPECTED_M1 = "a4e09292b651c278b9772c569f5fa9bb13d906b46ab68c9df9dc2b4409f8a209457e11eb0b14db8417238a3d2ca5a887cd1012116a77756266543a44f8eb51ec7d9822f48db3e242f8fbc84c16100b8959e64015580f4d023d2b7ccfae764e4de2f802";
    static final String EXPECTED_M2 = "ce8d3ad1ccb633ec7b70c17814a5c76ecd029685050d344745ba05870e587d59528496f2b9595e94819614205a5c37d241";
    static final String EXPECTED_HASH = "1cb462a637c5a21c4e1737c20f2a9565283f86be4fc460432d15236218485c64";

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    static String roundTrip(Session from, Session to, String text) {
        ByteBuffer sealed = ByteBuffer.allocate(256);
        from.seal(0x0304_0000_0000_0001L, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), sealed);
        sealed.flip();
        ByteBuffer out = ByteBuffer.allocate(256);
        assertTrue(to.open(0x0304_0000_0000_0001L, sealed, out), "opens");
        return new String(out.array(), 0, out.position(), StandardCharsets.UTF_8);
    }

    static NoiseSuite.Config config(String aeads) {
        return new NoiseSuite.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NoiseSuite.Config.class;
            }

            @Override
            public String aeads() {
                return aeads;
            }
        };
    }
}
