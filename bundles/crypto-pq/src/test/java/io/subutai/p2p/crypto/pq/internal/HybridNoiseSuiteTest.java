package io.subutai.p2p.crypto.pq.internal;

import static io.subutai.p2p.crypto.pq.internal.Handshakes.read;
import static io.subutai.p2p.crypto.pq.internal.Handshakes.roundTrip;
import static io.subutai.p2p.crypto.pq.internal.Handshakes.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.crypto.internal.HandshakeKem;
import io.subutai.p2p.crypto.internal.NoiseIkSuite;
import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

class HybridNoiseSuiteTest {

    private static final String BOTH = "aes-256-gcm,chacha20-poly1305";
    /** The engine's application payload in an initiation: key id (4) and timestamp (8). */
    private static final byte[] INIT_PAYLOAD = new byte[12];
    /** Bytes the engine puts before a handshake message: header (4), sender index (4), suite (1). */
    private static final int ENGINE_PREFIX = 9;
    private static final int TAG = 16;

    private final SecureRandom random = new SecureRandom();
    private final HybridNoiseSuite suite = new HybridNoiseSuite(BOTH, random);
    private final NoiseSuite classic = new NoiseSuite(BOTH, random);
    private final StaticKeys alice = suite.generateKeys();
    private final StaticKeys bob = suite.generateKeys();
    private final byte[] psk = suite.derivePsk("network key".getBytes(StandardCharsets.UTF_8));

    @Test
    void bothSidesAgreeAndTheirSessionsTalkBothWays() throws GeneralSecurityException {
        assertEquals(2, suite.wireId());
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        assertEquals("hello", new String(read(r, write(i, "hello".getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8));
        assertFalse(r.isComplete());
        assertEquals("welcome", new String(read(i, write(r, "welcome".getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8));
        assertTrue(i.isComplete() && r.isComplete());
        assertArrayEquals(alice.publicKey(), r.remoteStaticKey(), "the responder learns who called");
        Session a = i.split(0);
        Session b = r.split(0);
        assertEquals("frame one", roundTrip(a, b, "frame one"));
        assertEquals("and back", roundTrip(b, a, "and back"));
        assertEquals(8 + TAG, a.overhead());
        assertFalse(a.rekeyDue(119_000_000_000L));
        assertTrue(a.rekeyDue(120_000_000_000L), "the classic suite's rekey deadline");
    }

    @Test
    void messagesFitOneDatagramBehindARelay() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        byte[] m1 = write(i, INIT_PAYLOAD);
        read(r, m1);
        byte[] m2 = write(r, new byte[0]);
        read(i, m2);
        // e, e1 (encapsulation key + tag), s (+ tag), payload: AEAD count, 2 AEAD ids, 12 bytes, tag
        assertEquals(32 + (1184 + TAG) + (32 + TAG) + (1 + 2 + 12 + TAG), m1.length);
        // e, ekem1 (ciphertext + tag), payload: chosen AEAD, tag
        assertEquals(32 + (1088 + TAG) + (1 + TAG), m2.length);
        assertTrue(ENGINE_PREFIX + m1.length <= 1400, "initiation: " + (ENGINE_PREFIX + m1.length));
        assertTrue(ENGINE_PREFIX + m2.length <= 1300, "response: " + (ENGINE_PREFIX + m2.length));
    }

    @Test
    void oneStaticKeyAndOnePskServeBothSuites() throws GeneralSecurityException {
        byte[] secret = "a network".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(classic.derivePsk(secret), suite.derivePsk(secret));
        // keys made by the classic suite complete a hybrid handshake, and the other way round
        StaticKeys c1 = classic.generateKeys();
        StaticKeys c2 = classic.generateKeys();
        Handshake[] hybrid = complete(suite, c1, c2, psk);
        assertArrayEquals(c1.publicKey(), hybrid[1].remoteStaticKey());
        Handshake[] plain = complete(classic, alice, bob, psk);
        assertArrayEquals(alice.publicKey(), plain[1].remoteStaticKey());
    }

    @Test
    void theResponderOnlyChoosesAnAeadTheInitiatorOffered() throws GeneralSecurityException {
        HybridNoiseSuite chachaOnly = new HybridNoiseSuite("chacha20-poly1305", random);
        HybridNoiseSuite aesOnly = new HybridNoiseSuite("aes-256-gcm", random);
        complete(chachaOnly, suite, alice, bob, psk);
        byte[] m1 = write(chachaOnly.initiate(alice, bob.publicKey(), psk), new byte[0]);
        assertThrows(GeneralSecurityException.class, () -> read(aesOnly.respond(bob, psk), m1));
    }

    @Test
    void aDifferentNetworkKeyNeverCompletes() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, suite.derivePsk("another key".getBytes(StandardCharsets.UTF_8)));
        read(r, write(i, new byte[0])); // the PSK comes in with the second message
        byte[] m2 = write(r, new byte[0]);
        assertThrows(GeneralSecurityException.class, () -> read(i, m2));
        assertFalse(i.isComplete());
    }

    @Test
    void aFlippedBitAnywhereInTheInitiationFailsAndChangesNothing() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        byte[] m1 = write(i, INIT_PAYLOAD);
        // e; the encapsulation key (first byte, middle, last, its tag); s; the payload
        for (int pos : new int[] {0, 31, 32, 600, 32 + 1183, 32 + 1184, 32 + 1199, 1232, 1279, 1280, m1.length - 1}) {
            byte[] bad = m1.clone();
            bad[pos] ^= 1;
            assertThrows(GeneralSecurityException.class, () -> read(r, bad), "byte " + pos);
        }
        assertFalse(r.isComplete());
        read(r, m1);
        read(i, write(r, new byte[0]));
        assertEquals("ok", roundTrip(i.split(0), r.split(0), "ok"));
    }

    @Test
    void aFlippedBitAnywhereInTheResponseFailsAndChangesNothing() throws GeneralSecurityException {
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        read(r, write(i, INIT_PAYLOAD));
        byte[] m2 = write(r, new byte[0]);
        // e; the KEM ciphertext (first byte, middle, last, its tag); the payload
        for (int pos : new int[] {0, 31, 32, 500, 32 + 1087, 32 + 1088, 32 + 1103, 1136, m2.length - 1}) {
            byte[] bad = m2.clone();
            bad[pos] ^= 0x80;
            assertThrows(GeneralSecurityException.class, () -> read(i, bad), "byte " + pos);
        }
        assertFalse(i.isComplete());
        read(i, m2);
        assertEquals("ok", roundTrip(r.split(0), i.split(0), "ok"));
    }

    @Test
    void theSessionKeysDependOnTheKemSecret() throws GeneralSecurityException {
        // an initiator whose KEM gives it a secret one bit off the responder's: everything else right
        HandshakeKem honest = new MlKem768(random);
        CryptoSuite off = hybridWith(new HandshakeKemWrapper(honest, UnaryOperator.identity(), secret -> {
            byte[] t = secret.clone();
            t[0] ^= 1;
            return t;
        }));
        CryptoSuite same = hybridWith(new HandshakeKemWrapper(honest, UnaryOperator.identity(), UnaryOperator.identity()));
        complete(same, suite, alice, bob, psk); // the wrapper itself changes nothing
        Handshake i = off.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        read(r, write(i, new byte[0]));
        byte[] m2 = write(r, new byte[0]);
        assertThrows(GeneralSecurityException.class, () -> read(i, m2));
    }

    @Test
    void anEncapsulationKeyThatIsNoValidOneIsRefusedByTheResponder() throws GeneralSecurityException {
        // all coefficients 4095, above q = 3329: FIPS 203's modulus check refuses it
        byte[] invalid = new byte[MlKem768.ENCAPSULATION_KEY_LEN];
        Arrays.fill(invalid, (byte) 0xff);
        CryptoSuite liar = hybridWith(new HandshakeKemWrapper(new MlKem768(random), key -> invalid.clone(),
                UnaryOperator.identity()));
        Handshake r = suite.respond(bob, psk);
        byte[] m1 = write(liar.initiate(alice, bob.publicKey(), psk), new byte[0]);
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> read(r, m1));
        assertTrue(e.getMessage().contains("ML-KEM-768"), e.getMessage());
        complete(suite.initiate(alice, bob.publicKey(), psk), r); // and the responder is as it was
    }

    @Test
    void classicAndHybridHandshakesRefuseEachOthersMessages() throws GeneralSecurityException {
        byte[] classicInit = write(classic.initiate(alice, bob.publicKey(), psk), INIT_PAYLOAD);
        byte[] hybridInit = write(suite.initiate(alice, bob.publicKey(), psk), INIT_PAYLOAD);
        Handshake hybridResponder = suite.respond(bob, psk);
        Handshake classicResponder = classic.respond(bob, psk);
        assertThrows(GeneralSecurityException.class, () -> read(hybridResponder, classicInit));
        assertThrows(GeneralSecurityException.class, () -> read(classicResponder, hybridInit));

        // responses, each to an initiator of the other suite that waits for one
        Handshake[] classicPair = {classic.initiate(alice, bob.publicKey(), psk), classic.respond(bob, psk)};
        Handshake[] hybridPair = {suite.initiate(alice, bob.publicKey(), psk), suite.respond(bob, psk)};
        read(classicPair[1], write(classicPair[0], INIT_PAYLOAD));
        read(hybridPair[1], write(hybridPair[0], INIT_PAYLOAD));
        byte[] classicResp = write(classicPair[1], new byte[0]);
        byte[] hybridResp = write(hybridPair[1], new byte[0]);
        assertThrows(GeneralSecurityException.class, () -> read(hybridPair[0], classicResp));
        assertThrows(GeneralSecurityException.class, () -> read(classicPair[0], hybridResp));

        // nobody was changed by the other suite's messages
        complete(suite.initiate(alice, bob.publicKey(), psk), hybridResponder);
        complete(classic.initiate(alice, bob.publicKey(), psk), classicResponder);
        read(hybridPair[0], hybridResp);
        read(classicPair[0], classicResp);
        assertTrue(hybridPair[0].isComplete() && classicPair[0].isComplete());
    }

    @Test
    void garbageAndTruncationsOfEveryLengthFailCleanly() throws GeneralSecurityException {
        SplittableRandom garbage = new SplittableRandom(7);
        Handshake i = suite.initiate(alice, bob.publicKey(), psk);
        Handshake r = suite.respond(bob, psk);
        byte[] m1 = write(i, INIT_PAYLOAD);
        refusesGarbageAndEveryCut(r, m1, garbage);
        read(r, m1);
        byte[] m2 = write(r, new byte[0]);
        refusesGarbageAndEveryCut(i, m2, garbage);
        read(i, m2);
        assertEquals("still fine", roundTrip(i.split(0), r.split(0), "still fine"));
    }

    /** Random bytes of every length up to 1600, every prefix of the genuine message, and it with one byte more. */
    private static void refusesGarbageAndEveryCut(Handshake h, byte[] genuine, SplittableRandom garbage) {
        for (int n = 0; n <= 1600; n++) {
            byte[] junk = new byte[n];
            garbage.nextBytes(junk);
            assertThrows(GeneralSecurityException.class, () -> read(h, junk), "garbage of " + n + " bytes");
        }
        for (int n = 0; n < genuine.length; n++) {
            byte[] cut = Arrays.copyOf(genuine, n);
            assertThrows(GeneralSecurityException.class, () -> read(h, cut), "cut to " + n + " bytes");
        }
        assertThrows(GeneralSecurityException.class, () -> read(h, Arrays.copyOf(genuine, genuine.length + 1)));
        assertFalse(h.isComplete());
    }

    private CryptoSuite hybridWith(HandshakeKem kem) {
        return new NoiseIkSuite(HybridNoiseSuite.PROTOCOL, kem, BOTH, random) {
            @Override
            public int wireId() {
                return HybridNoiseSuite.WIRE_ID;
            }
        };
    }

    private static Handshake[] complete(CryptoSuite s, StaticKeys initiator, StaticKeys responder, byte[] psk)
            throws GeneralSecurityException {
        return complete(s, s, initiator, responder, psk);
    }

    private static Handshake[] complete(CryptoSuite si, CryptoSuite sr, StaticKeys initiator, StaticKeys responder,
            byte[] psk) throws GeneralSecurityException {
        return complete(si.initiate(initiator, responder.publicKey(), psk), sr.respond(responder, psk));
    }

    /** Both messages; returns {initiator, responder}, complete and with sessions that talk. */
    private static Handshake[] complete(Handshake i, Handshake r) throws GeneralSecurityException {
        read(r, write(i, new byte[0]));
        read(i, write(r, new byte[0]));
        assertTrue(i.isComplete() && r.isComplete());
        assertEquals("ping", roundTrip(i.split(0), r.split(0), "ping"));
        return new Handshake[] {i, r};
    }

    /** A KEM that passes everything to another, with the initiator's key or secret changed on the way. */
    private record HandshakeKemWrapper(HandshakeKem inner, UnaryOperator<byte[]> key, UnaryOperator<byte[]> secret)
            implements HandshakeKem {

        @Override
        public int encapsulationKeyLength() {
            return inner.encapsulationKeyLength();
        }

        @Override
        public int ciphertextLength() {
            return inner.ciphertextLength();
        }

        @Override
        public Decapsulator generate() {
            Decapsulator d = inner.generate();
            return new Decapsulator() {
                @Override
                public byte[] encapsulationKey() {
                    return key.apply(d.encapsulationKey());
                }

                @Override
                public byte[] decapsulate(byte[] ciphertext) throws GeneralSecurityException {
                    return secret.apply(d.decapsulate(ciphertext));
                }
            };
        }

        @Override
        public Encapsulation encapsulate(byte[] encapsulationKey) throws GeneralSecurityException {
            return inner.encapsulate(encapsulationKey);
        }
    }
}
