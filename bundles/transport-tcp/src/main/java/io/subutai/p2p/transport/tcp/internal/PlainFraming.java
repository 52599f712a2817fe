package io.subutai.p2p.transport.tcp.internal;

import java.nio.ByteBuffer;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * Takes what a server sends down a plain stream apart (docs/protocol.md §10: {@code length (2) |
 * datagram}, length 0 a keepalive) with {@link StreamFraming.Decoder}: each datagram goes on as a
 * {@link ByteBuf} (a retained slice: whoever takes it releases it). Keepalives are consumed. The
 * server sends no preamble: that is the client's.
 */
final class PlainFraming extends ByteToMessageDecoder {

    private final StreamFraming.Decoder decoder = new StreamFraming.Decoder(StreamFraming.MAX_DATAGRAM);

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ByteBuffer view = in.nioBuffer();
        int start = view.position();
        try {
            ByteBuffer d;
            while ((d = decoder.next(view)) != null) {
                int end = view.position() - start; // the datagram is the last of what was consumed
                out.add(in.retainedSlice(in.readerIndex() + end - d.remaining(), d.remaining()));
            }
        } catch (StreamFraming.BrokenStream e) {
            throw new DecoderException(e.getMessage(), e);
        } finally {
            in.skipBytes(view.position() - start);
        }
    }
}
