package io.subutai.p2p.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
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
import io.subutai.p2p.crypto.pq.internal.HybridNoiseSuite;
import io.subutai.p2p.spi.CryptoSuite;
import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

/**
 * One whole handshake per operation, both sides in one thread, per crypto suite: the initiator
 * writes its message, the responder reads it and answers, the initiator reads the answer, and both
 * split into sessions: the CPU one peer pair spends on a (re)handshake, which every peer repeats
 * every 120 s. The classic suite {@code noise-ikpsk2} (four X25519 per side) against the hybrid
 * {@code noise-ikpsk2-mlkem768} (the same, plus ML-KEM-768 key generation and decapsulation on the
 * initiator's side, encapsulation on the responder's). Ephemeral keys come from each suite's
 * {@link java.security.SecureRandom}, as in the engine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HandshakeBenchmark {

    @Param({"noise-ikpsk2", "noise-ikpsk2-mlkem768"})
    public String suite;

    private CryptoSuite crypto;
    private StaticKeys alice;
    private StaticKeys bob;
    private byte[] psk;
    /** The engine's initiation payload: key id (4) and timestamp (8). */
    private final byte[] initPayload = new byte[12];
    private final ByteBuffer message = ByteBuffer.allocate(2048);
    private final ByteBuffer payload = ByteBuffer.allocate(2048);

    @Setup
    public void setUp() throws GeneralSecurityException {
        String aeads = "aes-256-gcm,chacha20-poly1305";
        crypto = switch (suite) {
            case "noise-ikpsk2" -> new NoiseSuite(aeads, new SecureRandom());
            case "noise-ikpsk2-mlkem768" -> new HybridNoiseSuite(aeads, new SecureRandom());
            default -> throw new IllegalArgumentException("unknown suite: " + suite);
        };
        alice = crypto.generateKeys();
        bob = crypto.generateKeys();
        psk = crypto.derivePsk("bench network key".getBytes(StandardCharsets.UTF_8));
        Session[] sessions = handshake();
        ByteBuffer sealed = ByteBuffer.allocate(64);
        sessions[0].seal(0x0304_0000_0000_0001L, ByteBuffer.wrap(initPayload), sealed);
        if (!sessions[1].open(0x0304_0000_0000_0001L, sealed.flip(), ByteBuffer.allocate(64))) {
            throw new IllegalStateException("the sessions do not agree");
        }
    }

    /** Initiate, respond, complete, split both sides; returns {initiator's, responder's} session. */
    @Benchmark
    public Session[] handshake() throws GeneralSecurityException {
        Handshake initiator = crypto.initiate(alice, bob.publicKey(), psk);
        Handshake responder = crypto.respond(bob, psk);
        initiator.writeMessage(ByteBuffer.wrap(initPayload), message.clear());
        responder.readMessage(message.flip(), payload.clear());
        responder.writeMessage(ByteBuffer.allocate(0), message.clear());
        initiator.readMessage(message.flip(), payload.clear());
        if (!initiator.isComplete()) {
            throw new IllegalStateException("the handshake did not complete");
        }
        return new Session[] {initiator.split(0), responder.split(0)};
    }
}
