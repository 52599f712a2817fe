package io.subutai.p2p.servers.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * What one connection to a stream port goes through (docs/protocol.md §10): its first bytes say
 * what it speaks ({@link StreamFraming#detect}): TLS (then the same again inside it), an HTTP
 * request (a WebSocket upgrade on the configured path, subprotocol {@code p2p}, after which each
 * binary message is one datagram; any other request gets a 404 and the connection is closed), or
 * the plain preamble (then {@link StreamFraming.Decoder}'s frames). Anything else is closed, as is a
 * connection that has not finished all that within the handshake time, one silent for the idle
 * time, a WebSocket text message, and anything that breaks the framing. Every handler runs on the
 * channel's event loop.
 */
final class StreamPipeline {

    /** What a connection reports, on its channel's event loop. */
    interface Connection {
        /** It said what it speaks and finished TLS and the upgrade: datagrams may come and go. */
        void ready(Channel channel, boolean webSocket);

        /** A datagram from it (position to limit), valid during the call only. */
        void datagram(ByteBuffer datagram);
    }

    private static final WebSocketDecoderConfig WEBSOCKET = WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(StreamFraming.MAX_DATAGRAM).allowExtensions(false).expectMaskedFrames(true)
            .allowMaskMismatch(false).closeOnProtocolViolation(true).build();
    /** The HTTP request of an upgrade, at most; a larger one is refused. */
    private static final int REQUEST = 8192;

    private StreamPipeline() {
    }

    /** Sets up {@code channel}, new and registered, for {@code options}, reporting to {@code connection}. */
    static void install(Channel channel, StreamOptions options, Connection connection) {
        Session session = new Session(options, connection);
        ChannelPipeline p = channel.pipeline();
        p.addLast("idle", new ReadTimeoutHandler(options.idle().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("detect", new Detect(session, false));
        p.addLast("end", new End());
        session.deadline = channel.eventLoop().schedule(() -> {
            if (!session.ready) {
                channel.close(); // it did not say in time what it speaks
            }
        }, options.handshake().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One connection's state: whether it is ready yet, and the timer that closes it if it does not get there. */
    private static final class Session {
        final StreamOptions options;
        final Connection connection;
        ScheduledFuture<?> deadline;
        boolean ready;

        Session(StreamOptions options, Connection connection) {
            this.options = options;
            this.connection = connection;
        }

        void ready(Channel channel, boolean webSocket) {
            ready = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            connection.ready(channel, webSocket);
        }
    }

    /** Tells from the first bytes what the connection speaks, and puts the handlers of that in its place. */
    private static final class Detect extends ByteToMessageDecoder {
        private final Session session;
        private final boolean insideTls;

        Detect(Session session, boolean insideTls) {
            this.session = session;
            this.insideTls = insideTls;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) {
            int n = Math.min(in.readableBytes(), StreamFraming.PREAMBLE.length);
            StreamFraming.Kind kind = StreamFraming.detect(in.nioBuffer(in.readerIndex(), n));
            ChannelPipeline p = ctx.pipeline();
            switch (kind) {
                case MORE -> {
                    return;
                }
                case TLS -> {
                    if (insideTls) {
                        refuse(ctx, in);
                        return;
                    }
                    SslHandler tls = session.options.tls().context().newHandler(ctx.alloc());
                    tls.setHandshakeTimeoutMillis(session.options.handshake().toMillis());
                    p.addAfter(ctx.name(), "tls", tls);
                    p.addAfter("tls", "detect-tls", new Detect(session, true));
                }
                case HTTP -> {
                    p.addAfter(ctx.name(), "http", new HttpServerCodec());
                    p.addAfter("http", "http-request", new HttpObjectAggregator(REQUEST));
                    p.addAfter("http-request", "ws-message", new WebSocketFrameAggregator(StreamFraming.MAX_DATAGRAM));
                    p.addAfter("ws-message", "ws", new WebSocketDatagrams(session, insideTls));
                }
                case PLAIN -> {
                    in.skipBytes(StreamFraming.PREAMBLE.length);
                    p.addAfter(ctx.name(), "plain", new PlainDatagrams(session));
                    session.ready(ctx.channel(), false);
                }
                default -> {
                    refuse(ctx, in);
                    return;
                }
            }
            p.remove(this); // what it holds goes on to the handlers just added
        }

        private static void refuse(ChannelHandlerContext ctx, ByteBuf in) {
            in.skipBytes(in.readableBytes());
            ctx.close();
        }
    }

    /** A plain stream after its preamble: {@code length (2) | datagram}, length 0 a keepalive. */
    private static final class PlainDatagrams extends ByteToMessageDecoder {
        private final Session session;
        private final StreamFraming.Decoder decoder = new StreamFraming.Decoder(StreamFraming.MAX_DATAGRAM);

        PlainDatagrams(Session session) {
            this.session = session;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, java.util.List<Object> out) {
            ByteBuffer b = in.nioBuffer();
            try {
                for (ByteBuffer d = decoder.next(b); d != null; d = decoder.next(b)) {
                    session.connection.datagram(d);
                }
                in.skipBytes(b.position());
            } catch (StreamFraming.BrokenStream e) {
                in.skipBytes(in.readableBytes());
                ctx.close();
            }
        }
    }

    /** The HTTP request of a WebSocket upgrade, then its messages: each binary one a datagram. */
    private static final class WebSocketDatagrams extends ChannelInboundHandlerAdapter {
        private final Session session;
        private final boolean tls;
        private boolean asked;

        WebSocketDatagrams(Session session, boolean tls) {
            this.session = session;
            this.tls = tls;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof FullHttpRequest request) {
                    upgrade(ctx, request);
                } else if (msg instanceof BinaryWebSocketFrame frame && session.ready) {
                    session.connection.datagram(frame.content().nioBuffer());
                } else if (msg instanceof PingWebSocketFrame ping) {
                    ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                } else if (msg instanceof CloseWebSocketFrame close) {
                    ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
                            .addListener(ChannelFutureListener.CLOSE);
                } else if (!(msg instanceof PongWebSocketFrame)) {
                    ctx.close(); // a text message, or anything else this protocol does not speak
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            boolean upgrade = !asked && request.decoderResult().isSuccess() && request.method().equals(HttpMethod.GET)
                    && path.equals(session.options.path())
                    && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
            if (asked || !request.decoderResult().isSuccess()) {
                ctx.close();
                return;
            }
            asked = true;
            if (!upgrade) {
                notFound(ctx);
                return;
            }
            String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    (tls ? "wss://" : "ws://") + host + path, StreamFraming.SUBPROTOCOL, WEBSOCKET).newHandshaker(request);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            Channel channel = ctx.channel();
            handshaker.handshake(channel, request).addListener(f -> {
                if (f.isSuccess()) {
                    session.ready(channel, true);
                } else {
                    channel.close();
                }
            });
        }

        /** What a web server says to a request for something it does not have. */
        private static void notFound(ChannelHandlerContext ctx) {
            byte[] body = "404 page not found\n".getBytes(StandardCharsets.US_ASCII);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The last handler: whatever went wrong (a timeout, TLS, a protocol violation) closes the connection. */
    private static final class End extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            ReferenceCountUtil.release(event);
        }
    }
}
