package io.subutai.p2p.transport.tcp.internal;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectionEvent;
import io.netty.handler.proxy.ProxyHandler;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

import io.subutai.p2p.wire.stream.ProxyUrl;
import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * The handlers of one connection attempt of a {@link Link}, in the order bytes leave: the proxy's
 * (HTTP CONNECT or SOCKS5), TLS, then the WebSocket client's or the plain stream's, keepalives, and
 * last {@link Events}, which tells the link when the connection is up (every handshake done), what
 * arrived, and why it ended.
 */
final class LinkPipeline {

    /** The WebSocket handshake's HTTP response, at most. */
    private static final int HANDSHAKE_BYTES = 8192;

    private LinkPipeline() {
    }

    /** What a connection attempt tells its link, on the link's event loop. */
    interface Owner {
        /** Every handshake of {@code channel} is done: datagrams may flow. */
        void up(Channel channel);

        /** A datagram arrived (the owner releases it). */
        void datagram(Channel channel, ByteBuf content);

        /** The TLS handshake showed the server's certificate, whose SHA-256 this is. */
        void certificate(Channel channel, byte[] sha256);

        /** What went wrong; the channel is closed after it. */
        void failed(Channel channel, String why);

        /** Where the attempt is (for an error that says where it got stuck). */
        void stage(Channel channel, String stage);
    }

    /**
     * Adds the handlers of an attempt that goes {@code way} to {@code host:port} (WebSocket {@code
     * path}), through {@code proxy} (resolved; null: none).
     */
    static void build(Channel ch, Way way, String host, int port, String path, ProxyUrl proxy, InetSocketAddress proxyAt,
            SslContext tls, Timing timing, Owner owner) {
        ChannelPipeline p = ch.pipeline();
        long connectMillis = timing.connect().toMillis();
        if (proxy != null) {
            ProxyHandler h = proxy.scheme().equals("http")
                    ? proxy.user() == null ? new HttpProxyHandler(proxyAt) : new HttpProxyHandler(proxyAt, proxy.user(), proxy.password())
                    : proxy.user() == null ? new Socks5ProxyHandler(proxyAt) : new Socks5ProxyHandler(proxyAt, proxy.user(), proxy.password());
            h.setConnectTimeoutMillis(connectMillis);
            p.addLast("proxy", h);
        }
        if (way.tls) {
            SslHandler h = tls.newHandler(ch.alloc(), host, port);
            h.setHandshakeTimeoutMillis(connectMillis);
            serverName(h.engine(), host);
            p.addLast("tls", h);
        }
        // before the WebSocket's handlers, which swallow pongs: what the server sends at all counts
        p.addLast("idle", new IdleStateHandler(timing.silence().toMillis(), timing.keepalive().toMillis(), 0,
                TimeUnit.MILLISECONDS));
        if (way.websocket) {
            String authority = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
            WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(URI.create((way.tls ? "wss://" : "ws://") + authority + path))
                    .subprotocol(StreamFraming.SUBPROTOCOL)
                    .version(WebSocketVersion.V13)
                    .allowExtensions(false)
                    .maxFramePayloadLength(StreamFraming.MAX_DATAGRAM)
                    .handleCloseFrames(true)
                    .dropPongFrames(true)
                    .handshakeTimeoutMillis(connectMillis)
                    .build();
            p.addLast("http", new HttpClientCodec());
            p.addLast("upgrade", new HttpObjectAggregator(HANDSHAKE_BYTES));
            p.addLast("websocket", new WebSocketClientProtocolHandler(config));
            p.addLast("messages", new WebSocketFrameAggregator(StreamFraming.MAX_DATAGRAM));
        } else {
            p.addLast("frames", new PlainFraming());
        }
        p.addLast("flush", new FlushConsolidationHandler(256, true));
        p.addLast("events", new Events(way, proxy != null, seconds(timing.silence()), owner));
    }

    /** {@code d} as {@code debug} says it: {@code 90 s}, {@code 0.2 s}. */
    static String seconds(java.time.Duration d) {
        long ms = d.toMillis();
        return (ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0)) + " s";
    }

    /** SNI: the server's name, when it is one (an address is not sent). */
    private static void serverName(SSLEngine engine, String host) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return;
        }
        try {
            SSLParameters params = engine.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(host)));
            engine.setSSLParameters(params);
        } catch (IllegalArgumentException e) {
            // not a name SNI can carry: the server gets none
        }
    }

    /** A keepalive for a link that goes {@code way}: a WebSocket ping, or an empty frame of the plain stream. */
    static Object keepalive(Way way) {
        return way.websocket ? new PingWebSocketFrame() : Unpooled.wrappedBuffer(new byte[StreamFraming.LENGTH]);
    }

    /** The last handler: tells the link what happens on the connection. */
    private static final class Events extends ChannelInboundHandlerAdapter {
        private final Way way;
        private final boolean proxied;
        private final String silence;
        private final Owner owner;
        private boolean up;

        Events(Way way, boolean proxied, String silence, Owner owner) {
            this.way = way;
            this.proxied = proxied;
            this.silence = silence;
            this.owner = owner;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected(ctx, proxied ? "proxy" : "");
            ctx.fireChannelActive();
        }

        /** The connection (or the proxy, {@code pending}) is up: the next stage, or up when none is left. */
        private void connected(ChannelHandlerContext ctx, String pending) {
            String next = !pending.isEmpty() ? pending : way.tls ? "TLS" : way.websocket ? "WebSocket upgrade" : "";
            owner.stage(ctx.channel(), next);
            if (next.isEmpty()) {
                up(ctx);
            }
        }

        private void up(ChannelHandlerContext ctx) {
            if (!up) {
                up = true;
                owner.up(ctx.channel());
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxyConnectionEvent) {
                connected(ctx, "");
            } else if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    owner.certificate(ctx.channel(), fingerprint(ctx));
                    String next = way.websocket ? "WebSocket upgrade" : "";
                    owner.stage(ctx.channel(), next);
                    if (next.isEmpty()) {
                        up(ctx);
                    }
                } // a failure comes as an exception too
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                owner.stage(ctx.channel(), "");
                up(ctx);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                fail(ctx, "the WebSocket upgrade got no answer");
            } else if (evt instanceof IdleStateEvent idle) {
                if (idle.state() == IdleState.READER_IDLE) {
                    fail(ctx, "nothing received for " + silence + " (the server or the way to it is gone)");
                } else if (idle.state() == IdleState.WRITER_IDLE && up) {
                    ctx.channel().writeAndFlush(keepalive(way), ctx.channel().voidPromise());
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b && !way.websocket) {
                owner.datagram(ctx.channel(), b);
            } else if (msg instanceof BinaryWebSocketFrame f) {
                owner.datagram(ctx.channel(), f.content());
            } else {
                boolean frame = msg instanceof WebSocketFrame;
                ReferenceCountUtil.release(msg);
                fail(ctx, frame ? "the server sent a WebSocket message that is not binary" : "unexpected " + msg.getClass().getSimpleName());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, why(cause));
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            owner.failed(ctx.channel(), why);
            ctx.close();
        }

        /** SHA-256 of the server's certificate (the first of its chain). */
        private static byte[] fingerprint(ChannelHandlerContext ctx) {
            try {
                SslHandler h = ctx.pipeline().get(SslHandler.class);
                Certificate[] chain = h.engine().getSession().getPeerCertificates();
                return MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
            } catch (SSLException | java.security.cert.CertificateEncodingException | NoSuchAlgorithmException e) {
                return null;
            }
        }
    }

    /** What {@code cause} says, for {@code debug}: the innermost message, without Netty's wrappers. */
    static String why(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof DecoderException || t.getMessage() == null) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        // "finishConnect(..) failed with error(-111): Connection refused: /192.0.2.1:443": the last part says it
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m.replaceFirst("^\\w+\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
    }
}
