package io.subutai.p2p.crypto.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The primitives against their RFCs' published test vectors. */
class PrimitiveVectorsTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    @Test
    void x25519MatchesRfc7748() throws GeneralSecurityException {
        // RFC 7748 section 5.2, first vector
        assertArrayEquals(hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"),
                Curve25519.dh(hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                        hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")));
        // RFC 7748 section 6.1: Alice and Bob
        byte[] alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        assertArrayEquals(hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), Curve25519.publicKey(alice));
        assertArrayEquals(hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), Curve25519.publicKey(bob));
        byte[] shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assertArrayEquals(shared, Curve25519.dh(alice, Curve25519.publicKey(bob)));
        assertArrayEquals(shared, Curve25519.dh(bob, Curve25519.publicKey(alice)));
    }

    @Test
    void x25519RefusesLowOrderPoints() {
        byte[] zero = new byte[32];
        assertThrows(GeneralSecurityException.class, () -> Curve25519.dh(Curve25519.publicKey(new byte[32]), zero));
    }

    @Test
    void chacha20Poly1305MatchesRfc8439() throws GeneralSecurityException {
        // RFC 8439 section 2.8.2
        byte[] key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        byte[] aad = hex("50515253c0c1c2c3c4c5c6c7");
        byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
                + "the future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        // nonce 07000000 4041424344454647: constant 0x00000007, then the 64-bit little-endian counter
        byte[] nonce = hex("070000004041424344454647");
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("ChaCha20-Poly1305");
        c.init(javax.crypto.Cipher.ENCRYPT_MODE, Aead.CHACHA20_POLY1305.key(key), new javax.crypto.spec.IvParameterSpec(nonce));
        c.updateAAD(aad);
        byte[] sealed = c.doFinal(plaintext);
        assertArrayEquals(hex("d31a8d34648e60db7b86afbc53ef7ec2"), Arrays.copyOf(sealed, 16));
        assertArrayEquals(hex("1ae10b594f09e26a7e902ecbd0600691"), Arrays.copyOfRange(sealed, sealed.length - 16, sealed.length));
        // our nonce layout: 4 zero bytes, then the counter little-endian (Noise); RFC 8439's constant is 7 here
        assertArrayEquals(hex("000000000100000000000000"),
                ((javax.crypto.spec.IvParameterSpec) Aead.CHACHA20_POLY1305.nonce(1)).getIV());
    }

    @Test
    void blake2sMatchesRfc7693() {
        // RFC 7693 appendix B: BLAKE2s-256("abc")
        assertArrayEquals(hex("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"),
                Blake2s.hash("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aesGcmNoncesAreTheCounterBigEndian() {
        assertArrayEquals(hex("000000000000000000000102"),
                ((javax.crypto.spec.GCMParameterSpec) Aead.AES_256_GCM.nonce(0x0102)).getIV());
    }
}
