package io.subutai.p2p.crypto.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

/**
 * One side of {@code Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s} (the Noise framework, revision 34; the
 * pattern WireGuard uses): the initiator knows the responder's static key from discovery, sends
 * {@code e, es, s, ss}, the responder answers {@code e, ee, se, psk}. Both sides then hold keys
 * only a holder of the network's PSK and of the static keys could derive, with forward secrecy
 * from the ephemeral keys. The first message offers the data AEADs the initiator supports, best
 * first; the second names the one the responder chose (docs/protocol.md).
 *
 * <p>With a {@link HandshakeKem} (a hybrid suite, under its own protocol name) the pattern gains
 * one token in each message where the Noise HFS extension puts them, {@code -> e, es, e1, s, ss}
 * and {@code <- e, ee, ekem1, se, psk}: the initiator sends a fresh encapsulation key
 * (EncryptAndHash), the responder sends the ciphertext (EncryptAndHash) and both MixKey the shared
 * secret, so the keys depend on the Diffie-Hellman results, the KEM secret and the PSK alike.
 * Without one, the messages are IKpsk2's byte for byte.
 *
 * <p>A message that does not authenticate throws and changes nothing: the state is copied, and
 * kept only when the whole message checks out.
 */
final class NoiseIk implements Handshake {

    static final String PROTOCOL_NAME = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
    static final byte[] PROTOCOL = PROTOCOL_NAME.getBytes(StandardCharsets.US_ASCII);
    static final byte[] PROLOGUE = "p2p protocol 1".getBytes(StandardCharsets.US_ASCII);
    private static final Aead HANDSHAKE_AEAD = Aead.CHACHA20_POLY1305;
    private static final int KEY = Curve25519.KEYLEN;
    private static final int TAG = Aead.TAGLEN;
    private static final byte[] NONE = new byte[0];

    /** Which side this is. */
    enum Role { INITIATOR, RESPONDER }

    /** The symmetric state of Noise: chaining key, handshake hash, cipher key and nonce. */
    private static final class Symmetric {
        byte[] ck;
        byte[] h;
        byte[] k;
        long n;

        Symmetric copy() {
            Symmetric c = new Symmetric();
            c.ck = ck;
            c.h = h;
            c.k = k;
            c.n = n;
            return c;
        }

        void mixHash(byte[] data) {
            h = Blake2s.hash(h, data);
        }

        void mixKey(byte[] ikm) {
            byte[][] out = Blake2s.hkdf(ck, ikm, 2);
            ck = out[0];
            k = out[1];
            n = 0;
        }

        void mixKeyAndHash(byte[] ikm) {
            byte[][] out = Blake2s.hkdf(ck, ikm, 3);
            ck = out[0];
            mixHash(out[1]);
            k = out[2];
            n = 0;
        }

        byte[] encryptAndHash(byte[] plaintext) throws GeneralSecurityException {
            byte[] c = k == null ? plaintext : HANDSHAKE_AEAD.seal(k, n++, h, plaintext);
            mixHash(c);
            return c;
        }

        byte[] decryptAndHash(byte[] ciphertext) throws GeneralSecurityException {
            byte[] p = k == null ? ciphertext : HANDSHAKE_AEAD.open(k, n++, h, ciphertext);
            mixHash(ciphertext);
            return p;
        }
    }

    // immutable
    private final Role role;
    private final StaticKeys local;
    private final byte[] psk;
    private final List<Aead> offered;
    private final Supplier<byte[]> ephemeralSource;
    private final HandshakeKem kem; // null: plain IKpsk2

    // the handshake's progress; replaced whole on each message
    private Symmetric state = new Symmetric();
    private byte[] remoteStatic;
    private byte[] ephemeralPrivate;
    private byte[] remoteEphemeral;
    private Aead chosen;
    private HandshakeKem.Decapsulator kemKeys;          // initiator, between its message and the answer
    private HandshakeKem.Encapsulation kemEncapsulation; // responder, between the two messages
    private int messages;
    private boolean split;

    /**
     * @param remoteStatic    the responder's static public key (initiator), or null (responder)
     * @param offered         data AEADs this side supports, best first
     * @param ephemeralSource makes ephemeral private keys (random; fixed in test vectors)
     */
    NoiseIk(Role role, StaticKeys local, byte[] remoteStatic, byte[] psk, List<Aead> offered,
            Supplier<byte[]> ephemeralSource) {
        this(role, local, remoteStatic, psk, offered, ephemeralSource, PROTOCOL, null);
    }

    /**
     * @param protocol the Noise protocol name, which starts the transcript
     * @param kem      the extra key encapsulation of a hybrid suite, or null
     */
    NoiseIk(Role role, StaticKeys local, byte[] remoteStatic, byte[] psk, List<Aead> offered,
            Supplier<byte[]> ephemeralSource, byte[] protocol, HandshakeKem kem) {
        if (psk.length != 32) {
            throw new IllegalArgumentException("the PSK must have 32 bytes");
        }
        if (offered.isEmpty()) {
            throw new IllegalArgumentException("no data AEAD to offer");
        }
        this.role = role;
        this.local = local;
        this.psk = psk.clone();
        this.offered = List.copyOf(offered);
        this.ephemeralSource = ephemeralSource;
        this.kem = kem;
        this.remoteStatic = remoteStatic == null ? null : remoteStatic.clone();
        state.h = protocol.length <= Blake2s.HASHLEN ? Arrays.copyOf(protocol, Blake2s.HASHLEN) : Blake2s.hash(protocol);
        state.ck = state.h;
        state.mixHash(PROLOGUE);
        // pre-message: <- s
        state.mixHash(role == Role.INITIATOR ? this.remoteStatic : local.publicKey());
    }

    @Override
    public void writeMessage(ByteBuffer payload, ByteBuffer out) throws GeneralSecurityException {
        byte[] app = new byte[payload.remaining()];
        payload.get(app);
        Symmetric s = state.copy();
        byte[] e = ephemeralSource.get();
        byte[] ePub = Curve25519.publicKey(e);
        s.mixHash(ePub);
        s.mixKey(ePub);
        if (role == Role.INITIATOR && messages == 0) {
            s.mixKey(Curve25519.dh(e, remoteStatic));                       // es
            HandshakeKem.Decapsulator keys = kem == null ? null : kem.generate();
            byte[] encK = keys == null ? NONE : s.encryptAndHash(keys.encapsulationKey()); // e1
            byte[] encS = s.encryptAndHash(local.publicKey());             // s
            s.mixKey(Curve25519.dh(local.privateKey(), remoteStatic));      // ss
            byte[] encP = s.encryptAndHash(offer(app));
            out.put(ePub).put(encK).put(encS).put(encP);
            kemKeys = keys;
        } else if (role == Role.RESPONDER && messages == 1) {
            s.mixKey(Curve25519.dh(e, remoteEphemeral));                    // ee
            byte[] encC = NONE;
            if (kem != null) {                                             // ekem1
                encC = s.encryptAndHash(kemEncapsulation.ciphertext());
                s.mixKey(kemEncapsulation.secret());
            }
            s.mixKey(Curve25519.dh(e, remoteStatic));                       // se
            s.mixKeyAndHash(psk);                                          // psk
            byte[] chosenAndApp = new byte[1 + app.length];
            chosenAndApp[0] = (byte) chosen.id;
            System.arraycopy(app, 0, chosenAndApp, 1, app.length);
            out.put(ePub).put(encC).put(s.encryptAndHash(chosenAndApp));
            kemEncapsulation = null;
        } else {
            throw new IllegalStateException("not this side's turn to write (message " + messages + ")");
        }
        ephemeralPrivate = e;
        state = s;
        messages++;
    }

    @Override
    public void readMessage(ByteBuffer message, ByteBuffer payloadOut) throws GeneralSecurityException {
        int start = message.position();
        try {
            read(message, payloadOut);
        } catch (GeneralSecurityException | RuntimeException e) {
            message.position(start);
            throw e instanceof GeneralSecurityException g ? g : new GeneralSecurityException("malformed handshake: " + e);
        }
    }

    private void read(ByteBuffer message, ByteBuffer payloadOut) throws GeneralSecurityException {
        Symmetric s = state.copy();
        byte[] re = take(message, KEY);
        s.mixHash(re);
        s.mixKey(re);
        byte[] app;
        if (role == Role.RESPONDER && messages == 0) {
            s.mixKey(Curve25519.dh(local.privateKey(), re));                // es
            byte[] rk = kem == null ? null                                  // e1
                    : s.decryptAndHash(take(message, kem.encapsulationKeyLength() + TAG));
            byte[] rs = s.decryptAndHash(take(message, KEY + TAG));         // s
            s.mixKey(Curve25519.dh(local.privateKey(), rs));                // ss
            byte[] p = s.decryptAndHash(take(message, message.remaining()));
            int n = p.length == 0 ? -1 : p[0] & 255;
            if (n < 1 || p.length < 1 + n) {
                throw new GeneralSecurityException("handshake offers no cipher");
            }
            Aead pick = null;
            for (Aead mine : offered) {
                for (int i = 0; i < n && pick == null; i++) {
                    if (p[1 + i] == mine.id) {
                        pick = mine;
                    }
                }
            }
            if (pick == null) {
                throw new GeneralSecurityException("no cipher in common");
            }
            app = Arrays.copyOfRange(p, 1 + n, p.length);
            checkFits(payloadOut, app);
            // the answer's encapsulation is made now, once the rest checked out, so that a key that
            // is no valid one fails here and changes nothing
            HandshakeKem.Encapsulation enc = rk == null ? null : kem.encapsulate(rk);
            remoteStatic = rs;
            chosen = pick;
            kemEncapsulation = enc;
        } else if (role == Role.INITIATOR && messages == 1) {
            s.mixKey(Curve25519.dh(ephemeralPrivate, re));                  // ee
            if (kem != null) {                                             // ekem1
                s.mixKey(kemKeys.decapsulate(s.decryptAndHash(take(message, kem.ciphertextLength() + TAG))));
            }
            s.mixKey(Curve25519.dh(local.privateKey(), re));                // se
            s.mixKeyAndHash(psk);                                          // psk
            byte[] p = s.decryptAndHash(take(message, message.remaining()));
            Aead pick = p.length == 0 ? null : Aead.byId(p[0] & 255);
            if (pick == null || !offered.contains(pick)) {
                throw new GeneralSecurityException("the responder chose a cipher that was not offered");
            }
            app = Arrays.copyOfRange(p, 1, p.length);
            checkFits(payloadOut, app);
            chosen = pick;
            kemKeys = null;
        } else {
            throw new IllegalStateException("not this side's turn to read (message " + messages + ")");
        }
        payloadOut.put(app);
        remoteEphemeral = re;
        state = s;
        messages++;
    }

    private static void checkFits(ByteBuffer out, byte[] app) throws GeneralSecurityException {
        if (out.remaining() < app.length) {
            throw new GeneralSecurityException("payload does not fit");
        }
    }

    private byte[] offer(byte[] app) {
        byte[] p = new byte[1 + offered.size() + app.length];
        p[0] = (byte) offered.size();
        for (int i = 0; i < offered.size(); i++) {
            p[1 + i] = (byte) offered.get(i).id;
        }
        System.arraycopy(app, 0, p, 1 + offered.size(), app.length);
        return p;
    }

    private static byte[] take(ByteBuffer b, int n) throws GeneralSecurityException {
        if (n < 0 || b.remaining() < n || (n == b.remaining() && n < TAG)) {
            throw new GeneralSecurityException("handshake message too short");
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    @Override
    public boolean isComplete() {
        return messages == 2;
    }

    @Override
    public byte[] remoteStaticKey() {
        return remoteStatic == null ? null : remoteStatic.clone();
    }

    /** The handshake hash: both sides hold the same value when the handshake completed (channel binding). */
    byte[] handshakeHash() {
        return state.h.clone();
    }

    Aead chosen() {
        return chosen;
    }

    @Override
    public Session split(long nowNanos) {
        if (!isComplete()) {
            throw new IllegalStateException("handshake not complete");
        }
        if (split) {
            throw new IllegalStateException("split twice: the second session would reuse the first one's nonces");
        }
        split = true;
        byte[][] keys = Blake2s.hkdf(state.ck, new byte[0], 2);
        try {
            return role == Role.INITIATOR ? new AeadSession(chosen, keys[0], keys[1], nowNanos)
                    : new AeadSession(chosen, keys[1], keys[0], nowNanos);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no " + chosen.label + " here: " + e, e);
        }
    }

    static List<Aead> parseAeads(String text) {
        List<Aead> out = new ArrayList<>();
        for (String s : text.split(",")) {
            for (Aead a : Aead.values()) {
                if (a.label.equals(s.trim()) && !out.contains(a)) {
                    out.add(a);
                }
            }
        }
        return out;
    }
}
