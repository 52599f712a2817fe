package io.subutai.p2p.transport.tcp.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * The sending side of a {@link Link}: the channel while the link is up, and the drop-not-buffer
 * rule. A datagram is copied into a pooled buffer, framed for the way the link goes (a WebSocket
 * binary message, or {@code length | datagram}), and written only when it fits below the channel's
 * high water mark together with what is already on its way there; otherwise it is dropped and
 * counted, as a full UDP socket would drop it. Any thread may send.
 */
final class LinkWriter {

    /** Bytes a frame adds to a datagram, at most: a masked WebSocket frame's header (a plain one adds 2). */
    private static final int FRAMING = 14;

    /** The channel the link is up on, and how it frames datagrams. */
    private record Up(Channel channel, Way way) {
    }

    private volatile Up up; // null while the link is down
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Bytes of frames handed to the event loop in one task ({@link #sendSegments}) and not yet written to the channel. */
    private final AtomicLong onTheWay = new AtomicLong();

    /** The link is up on {@code ch}, the way {@code w} says. */
    void up(Channel ch, Way w) {
        up = new Up(ch, w);
    }

    /** The link went down (or was closed); whether it was up on {@code ch} (null: on any channel). */
    boolean down(Channel ch) {
        Up u = up;
        boolean was = u != null && (ch == null || u.channel() == ch);
        if (was) {
            up = null;
        }
        return was;
    }

    boolean connected() {
        return up != null;
    }

    long sent() {
        return sent.get();
    }

    long dropped() {
        return dropped.get();
    }

    /** Sends {@code head} (may be null) and {@code datagram} as one datagram; false when it was dropped. */
    boolean send(byte[] head, ByteBuffer datagram) {
        Up u = up;
        Object frame = frame(u, head, datagram);
        if (frame == null) {
            return false;
        }
        u.channel().writeAndFlush(frame, u.channel().voidPromise());
        return true;
    }

    /**
     * Sends consecutive datagrams of {@code segmentSize} bytes (a TAP super-frame's segments),
     * each after {@code head}: copied here, then written and flushed in one task on the link's
     * event loop rather than one task each (a task per datagram costs the event loop more than the
     * datagram). Each is dropped, as {@link #send} drops, when it does not fit.
     */
    void sendSegments(byte[] head, ByteBuffer datagrams, int segmentSize) {
        Up u = up;
        int segments = (datagrams.remaining() + segmentSize - 1) / segmentSize;
        if (u == null) {
            dropped.addAndGet(segments);
            return;
        }
        Object[] frames = new Object[segments];
        int count = 0;
        ByteBuffer d = datagrams.duplicate();
        while (d.hasRemaining()) {
            int len = Math.min(segmentSize, d.remaining());
            Object frame = frame(u, head, d.slice(d.position(), len));
            if (frame != null) {
                frames[count++] = frame;
            }
            d.position(d.position() + len);
        }
        if (count > 0) {
            writeAll(u.channel(), frames, count);
        }
    }

    private void writeAll(Channel ch, Object[] frames, int n) {
        Runnable write = () -> {
            for (int i = 0; i < n; i++) {
                onTheWay.addAndGet(-size(frames[i]));
                ch.write(frames[i], ch.voidPromise());
            }
            ch.flush();
        };
        if (ch.eventLoop().inEventLoop()) {
            write.run();
            return;
        }
        try {
            ch.eventLoop().execute(write);
        } catch (RejectedExecutionException e) {
            for (int i = 0; i < n; i++) {
                onTheWay.addAndGet(-size(frames[i]));
                ReferenceCountUtil.release(frames[i]);
            }
        }
    }

    /**
     * {@code head} and {@code datagram} copied into a pooled buffer, framed, and counted as sent
     * and on its way to the channel; null (and counted as dropped) when the link is down, or it does
     * not fit below the high water mark (with room for its frame's header) with what is on its way.
     */
    private Object frame(Up u, byte[] head, ByteBuffer datagram) {
        int n = (head == null ? 0 : head.length) + datagram.remaining();
        if (u == null || n == 0 || n > StreamFraming.MAX_DATAGRAM
                || u.channel().bytesBeforeUnwritable() - onTheWay.get() < n + FRAMING) {
            dropped.incrementAndGet();
            return null;
        }
        boolean websocket = u.way().websocket;
        ByteBuf b = u.channel().alloc().directBuffer(websocket ? n : StreamFraming.LENGTH + n);
        if (!websocket) {
            b.writeShort(n);
        }
        if (head != null) {
            b.writeBytes(head);
        }
        b.writeBytes(datagram.duplicate());
        sent.incrementAndGet();
        Object frame = websocket ? new BinaryWebSocketFrame(b) : b;
        onTheWay.addAndGet(size(frame));
        return frame;
    }

    private static long size(Object frame) {
        return (frame instanceof BinaryWebSocketFrame f ? f.content() : (ByteBuf) frame).readableBytes() + FRAMING;
    }
}
