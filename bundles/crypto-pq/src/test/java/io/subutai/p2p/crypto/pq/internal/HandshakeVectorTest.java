package io.subutai.p2p.crypto.pq.internal;

import static io.subutai.p2p.crypto.pq.internal.Handshakes.read;
import static io.subutai.p2p.crypto.pq.internal.Handshakes.seal;
import static io.subutai.p2p.crypto.pq.internal.Handshakes.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bouncycastle.math.ec.rfc7748.X25519;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.subutai.p2p.spi.Handshake;
import io.subutai.p2p.spi.Session;
import io.subutai.p2p.spi.StaticKeys;

/**
 * The handshake of {@code noise-ikpsk2-mlkem768} from fixed inputs: static keys, every random
 * draw (X25519 ephemerals, ML-KEM key generation and encapsulation), PSK and payloads, all in
 * {@value #FILE}. The messages, and the first transport message each way, must be exactly the
 * ones stored there, so no change of the wire format or the key schedule goes unnoticed.
 *
 * <p>The outputs were generated once by this implementation: with {@code -Dp2p.vector.write=true}
 * the test writes what it computes into the file in src/test/resources (the inputs stay as they
 * are) instead of comparing; the command is in the file's description.
 */
class HandshakeVectorTest {

    static final String FILE = "noise-ikpsk2-mlkem768-vector.json";
    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fixedInputsGiveTheStoredMessages() throws IOException, GeneralSecurityException {
        ObjectNode vector;
        try (InputStream in = getClass().getResourceAsStream("/" + FILE)) {
            vector = (ObjectNode) JSON.readTree(in);
        }
        assertEquals(HybridNoiseSuite.PROTOCOL, vector.get("protocol").asText());
        Map<String, String> computed = run(vector);
        if (Boolean.getBoolean("p2p.vector.write")) {
            computed.forEach(vector::put);
            JSON.writerWithDefaultPrettyPrinter().writeValue(Path.of("src/test/resources", FILE).toFile(), vector);
            return;
        }
        for (Map.Entry<String, String> e : computed.entrySet()) {
            assertTrue(vector.has(e.getKey()), "the vector has no " + e.getKey());
            assertEquals(vector.get(e.getKey()).asText(), e.getValue(), e.getKey());
        }
    }

    /** Runs the handshake on the vector's inputs; returns the outputs by their names in the file. */
    private static Map<String, String> run(ObjectNode v) throws GeneralSecurityException {
        String aeads = v.get("aeads").asText();
        HybridNoiseSuite initiatorSuite = new HybridNoiseSuite(aeads, new ScriptedRandom(List.of(
                hex(v, "initiator_ephemeral_random"), hex(v, "initiator_mlkem_keygen_d"), hex(v, "initiator_mlkem_keygen_z"))));
        // the responder encapsulates when it reads the initiation, before it makes its ephemeral key
        HybridNoiseSuite responderSuite = new HybridNoiseSuite(aeads, new ScriptedRandom(List.of(
                hex(v, "responder_mlkem_encaps_m"), hex(v, "responder_ephemeral_random"))));
        StaticKeys initiatorKeys = staticKeys(hex(v, "initiator_static_private"));
        StaticKeys responderKeys = staticKeys(hex(v, "responder_static_private"));
        byte[] psk = initiatorSuite.derivePsk(v.get("network_secret_utf8").asText().getBytes(StandardCharsets.UTF_8));

        Handshake i = initiatorSuite.initiate(initiatorKeys, responderKeys.publicKey(), psk);
        Handshake r = responderSuite.respond(responderKeys, psk);
        byte[] m1 = write(i, hex(v, "payload1"));
        assertArrayEquals(hex(v, "payload1"), read(r, m1));
        byte[] m2 = write(r, hex(v, "payload2"));
        assertArrayEquals(hex(v, "payload2"), read(i, m2));
        assertTrue(i.isComplete() && r.isComplete());
        assertArrayEquals(initiatorKeys.publicKey(), r.remoteStaticKey());

        Session initiator = i.split(0);
        Session responder = r.split(0);
        byte[] plaintext = v.get("transport_plaintext_utf8").asText().getBytes(StandardCharsets.UTF_8);
        byte[] t1 = seal(initiator, plaintext);
        byte[] t2 = seal(responder, plaintext);
        assertEquals(new String(plaintext, StandardCharsets.UTF_8), open(responder, t1));
        assertEquals(new String(plaintext, StandardCharsets.UTF_8), open(initiator, t2));

        Map<String, String> out = new LinkedHashMap<>();
        out.put("psk", HEX.formatHex(psk));
        out.put("initiator_static_public", HEX.formatHex(initiatorKeys.publicKey()));
        out.put("responder_static_public", HEX.formatHex(responderKeys.publicKey()));
        out.put("message1_length", Integer.toString(m1.length));
        out.put("message1_sha256", sha256(m1));
        out.put("message1", HEX.formatHex(m1));
        out.put("message2_length", Integer.toString(m2.length));
        out.put("message2_sha256", sha256(m2));
        out.put("message2", HEX.formatHex(m2));
        out.put("transport_initiator_to_responder", HEX.formatHex(t1));
        out.put("transport_responder_to_initiator", HEX.formatHex(t2));
        return out;
    }

    private static String open(Session s, byte[] sealed) {
        java.nio.ByteBuffer out = ByteBuffer.allocate(sealed.length);
        assertTrue(s.open(Handshakes.HEADER, ByteBuffer.wrap(sealed), out), "opens");
        return new String(out.array(), 0, out.position(), StandardCharsets.UTF_8);
    }

    private static StaticKeys staticKeys(byte[] privateKey) {
        byte[] publicKey = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(privateKey, 0, publicKey, 0);
        return new StaticKeys(privateKey, publicKey);
    }

    private static byte[] hex(ObjectNode v, String field) {
        assertTrue(v.has(field), "the vector has no " + field);
        return HEX.parseHex(v.get(field).asText());
    }

    private static String sha256(byte[] b) throws GeneralSecurityException {
        return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
