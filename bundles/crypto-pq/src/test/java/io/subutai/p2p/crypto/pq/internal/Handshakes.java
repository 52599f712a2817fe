package io.subutai.p2p.crypto.pq.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;

/** Test helpers: handshake messages as byte arrays, sealed and opened data. */
final class Handshakes {

    static final int MAX = 2048;
    /** The associated data of transport messages: a DATA packet's header and receiver index (docs/protocol.md §5). */
    static final long HEADER = 0x0304_0000_0102_0304L;

    private Handshakes() {
    }

    static byte[] write(Handshake h, byte[] payload) throws GeneralSecurityException {
        ByteBuffer out = ByteBuffer.allocate(MAX);
        h.writeMessage(ByteBuffer.wrap(payload), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** Reads a message; returns the payload it carried. */
    static byte[] read(Handshake h, byte[] message) throws GeneralSecurityException {
        ByteBuffer payload = ByteBuffer.allocate(MAX);
        h.readMessage(ByteBuffer.wrap(message), payload);
        return Arrays.copyOf(payload.array(), payload.position());
    }

    static byte[] seal(Session s, byte[] plaintext) {
        ByteBuffer out = ByteBuffer.allocate(plaintext.length + s.overhead());
        s.seal(HEADER, ByteBuffer.wrap(plaintext), out);
        return out.array();
    }

    static String roundTrip(Session from, Session to, String text) {
        ByteBuffer sealed = ByteBuffer.wrap(seal(from, text.getBytes(StandardCharsets.UTF_8)));
        ByteBuffer out = ByteBuffer.allocate(MAX);
        assertTrue(to.open(HEADER, sealed, out), "opens");
        return new String(out.array(), 0, out.position(), StandardCharsets.UTF_8);
    }
}
