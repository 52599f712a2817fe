package io.subutai.p2p.bench;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.subutai.p2p.crypto.internal.NoiseSuite;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

/**
 * The data path's per-packet crypto, per data AEAD: {@link Session#seal} as the TAP thread calls it
 * for every frame it sends, and seal followed by {@link Session#open} as the receiving peer's thread
 * calls it. The sessions come from a real Noise IKpsk2 handshake of the crypto bundle's suite (the
 * public SPI, as the engine uses it), with both sides configured for the one AEAD under test.
 *
 * <p>Each {@code sealOpen} seals a packet with the next counter and opens it at once, so every
 * packet the opening session sees is new to its replay window (a replayed packet would be refused
 * early, and measure nothing). The open alone costs about {@code sealOpen - seal}.
 *
 * <p>Buffers are direct, as on the data path. Scores are operations (packets) per second; a packet
 * moves {@code size} bytes of plaintext, so Gbit/s = ops/s × size × 8 / 10⁹ (bench/jmh.sh prints
 * both, with ns/op = 10⁹ / ops/s).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SealOpenBenchmark {

    /** The associated data: a DATA packet's header and receiver index. */
    private static final long HEADER = 0x0304_0000_0102_0304L;

    /** The data AEAD, by the label the crypto suite's configuration uses. */
    @Param({"aes-256-gcm", "chacha20-poly1305"})
    public String suite;

    /**
     * Plaintext bytes per packet. On the data path the plaintext is one inner-type byte and the
     * Ethernet frame, so a full frame at the default MTU of 1500 is 1 + 14 + 1500 = 1515 bytes;
     * 64 is a small frame (TCP ACKs, ARP), 1410 and 1452 common tunnel MTUs, 8192 a jumbo frame.
     */
    @Param({"64", "1410", "1452", "1515", "8192"})
    public int size;

    private Session sender;
    private Session receiver;
    private ByteBuffer plain;
    private ByteBuffer sealed;
    private ByteBuffer opened;

    @Setup
    public void setUp() throws GeneralSecurityException {
        if (!suite.equals("aes-256-gcm") && !suite.equals("chacha20-poly1305")) {
            // the suite ignores a label it does not know and would fall back to its defaults
            throw new IllegalArgumentException("unknown AEAD: " + suite);
        }
        CryptoSuite crypto = new NoiseSuite(config(suite));
        StaticKeys alice = crypto.generateKeys();
        StaticKeys bob = crypto.generateKeys();
        byte[] psk = crypto.derivePsk("bench network key".getBytes(StandardCharsets.UTF_8));
        Handshake initiator = crypto.initiate(alice, bob.publicKey(), psk);
        Handshake responder = crypto.respond(bob, psk);
        ByteBuffer message = ByteBuffer.allocate(1024);
        ByteBuffer payload = ByteBuffer.allocate(1024);
        initiator.writeMessage(ByteBuffer.allocate(0), message);
        responder.readMessage(message.flip(), payload);
        message.clear();
        responder.writeMessage(ByteBuffer.allocate(0), message);
        initiator.readMessage(message.flip(), payload.clear());
        if (!initiator.isComplete() || !responder.isComplete()) {
            throw new IllegalStateException("the handshake did not complete");
        }
        sender = initiator.split(System.nanoTime());
        receiver = responder.split(System.nanoTime());

        plain = ByteBuffer.allocateDirect(size);
        byte[] bytes = new byte[size];
        new SplittableRandom(size).nextBytes(bytes);
        plain.put(bytes).flip();
        sealed = ByteBuffer.allocateDirect(size + sender.overhead());
        opened = ByteBuffer.allocateDirect(size);

        // the round trip works and gives back the plaintext
        sealOpen();
        opened.flip();
        byte[] back = new byte[opened.remaining()];
        opened.get(back);
        if (!Arrays.equals(bytes, back)) {
            throw new IllegalStateException("opened plaintext differs");
        }
    }

    /** Seals one packet; returns the sealed length. */
    @Benchmark
    public int seal() {
        plain.rewind();
        sealed.clear();
        sender.seal(HEADER, plain, sealed);
        return sealed.position();
    }

    /** Seals one packet and opens it on the peer's session; returns the opened length. */
    @Benchmark
    public int sealOpen() {
        plain.rewind();
        sealed.clear();
        sender.seal(HEADER, plain, sealed);
        sealed.flip();
        opened.clear();
        if (!receiver.open(HEADER, sealed, opened)) {
            throw new IllegalStateException("a packet did not open");
        }
        return opened.position();
    }

    /** The suite's configuration, as Declarative Services would make it: only {@code aead} offered and accepted. */
    private static NoiseSuite.Config config(String aead) {
        return new NoiseSuite.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NoiseSuite.Config.class;
            }

            @Override
            public String aeads() {
                return aead;
            }
        };
    }
}
