package io.subutai.p2p.servers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * A stream port's pipeline ({@link StreamPipeline}) on arbitrary bytes, arriving in pieces of
 * every size: it takes them apart into datagrams of 1 to 65 535 bytes, only once the connection
 * said what it speaks, or closes the connection; nothing escapes it. Under {@code
 * mvn test} this replays the corpus in {@code src/test/resources/.../StreamPipelineFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class StreamPipelineFuzzTest {

    private static final StreamOptions OPTIONS;

    static {
        try {
            OPTIONS = StreamOptions.of(new InetSocketAddress(0), TlsIdentity.selfSigned(
                    Files.createTempDirectory("p2p-fuzz-tls")), StreamFraming.PATH);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void anyBytesAreTakenApartIntoDatagramsOrTheConnectionClosed(byte[] input) {
        EmbeddedChannel ch = new EmbeddedChannel();
        List<String> wrong = new ArrayList<>();
        boolean[] ready = new boolean[1];
        StreamPipeline.install(ch, OPTIONS, new StreamPipeline.Connection() {
            @Override
            public void ready(Channel channel, boolean webSocket) {
                ready[0] = true;
            }

            @Override
            public void datagram(ByteBuffer datagram) {
                if (!ready[0] || datagram.remaining() < 1 || datagram.remaining() > StreamFraming.MAX_DATAGRAM) {
                    wrong.add("a datagram of " + datagram.remaining() + " bytes, ready " + ready[0]);
                }
            }
        });
        int at = 0;
        for (int piece = 1; at < input.length && ch.isOpen(); piece = piece * 3 % 1021) { // pieces of 1 to 1020 bytes
            int n = Math.min(piece, input.length - at);
            ch.writeInbound(Unpooled.copiedBuffer(input, at, n));
            at += n;
        }
        ch.checkException();
        ch.finishAndReleaseAll();
        assertEquals(List.of(), wrong);
        assertTrue(!ch.isOpen() || at == input.length);
    }
}
