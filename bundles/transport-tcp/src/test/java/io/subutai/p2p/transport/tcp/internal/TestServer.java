package io.subutai.p2p.transport.tcp.internal;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.concurrent.DefaultThreadFactory;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * A stream server on loopback for the tests, speaking what the relay and bootstrap servers speak
 * (docs/protocol.md §10): TLS or not (a self-signed certificate), then, told apart by the first
 * bytes, a WebSocket upgrade on {@code /p2p} (subprotocol {@code p2p}, one datagram per binary
 * message) or the plain stream's preamble and frames. It echoes each datagram, or hands it to a
 * {@link Handler}. It can refuse upgrades (as a middlebox might), stop reading, and come back on
 * the same port.
 */
final class TestServer implements AutoCloseable {

    /** What the server does with a datagram. */
    interface Handler {
        void datagram(Stream from, byte[] datagram);
    }

    /** Echoes. */
    static final Handler ECHO = Stream::send;

    private static X509Bundle certificate;

    /** A self-signed certificate for {@code localhost}, made once. */
    static synchronized X509Bundle certificate() throws Exception {
        if (certificate == null) {
            certificate = newCertificate();
        }
        return certificate;
    }

    static X509Bundle newCertificate() throws Exception {
        return new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost").ecp256()
                .setIsCertificateAuthority(true).buildSelfSigned();
    }

    static byte[] sha256(X509Bundle b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b.getCertificate().getEncoded());
    }

    /** One client's stream. */
    static final class Stream {
        final Channel channel;
        final boolean websocket;

        Stream(Channel channel, boolean websocket) {
            this.channel = channel;
            this.websocket = websocket;
        }

        void send(byte[] datagram) {
            ByteBuf b = Unpooled.buffer();
            if (!websocket) {
                b.writeShort(datagram.length);
            }
            b.writeBytes(datagram);
            channel.writeAndFlush(websocket ? new BinaryWebSocketFrame(b) : b);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-server", true),
            NioIoHandler.newFactory());
    private final SslContext tls;
    private final boolean refuseUpgrade;
    private final Handler handler;
    private final Channel server;

    // what the tests look at
    final List<Stream> streams = new CopyOnWriteArrayList<>();
    final List<String> kinds = new CopyOnWriteArrayList<>(); // "websocket" or "plain", per stream
    final List<String> serverNames = new CopyOnWriteArrayList<>(); // SNI, per TLS handshake
    final AtomicInteger keepalives = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger datagrams = new AtomicInteger();
    private volatile boolean paused;

    TestServer(X509Bundle cert, boolean refuseUpgrade, Handler handler, int port) throws Exception {
        this.tls = cert == null ? null : SslContextBuilder.forServer(cert.getKeyPair().getPrivate(), cert.getCertificatePath())
                .sslProvider(SslProvider.JDK).build();
        this.refuseUpgrade = refuseUpgrade;
        this.handler = handler;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        if (paused) {
                            ch.config().setAutoRead(false);
                        }
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                                        ExtendedSSLSession s = (ExtendedSSLSession) ctx.pipeline().get(SslHandler.class).engine().getSession();
                                        String sni = "";
                                        for (SNIServerName n : s.getRequestedServerNames()) {
                                            sni = n instanceof SNIHostName h ? h.getAsciiName() : sni;
                                        }
                                        serverNames.add(sni);
                                    }
                                    ctx.fireUserEventTriggered(evt);
                                }
                            });
                        }
                        ch.pipeline().addLast(new Detector());
                    }
                });
        server = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    /** An echoing server with TLS (or not) on a port of its own. */
    static TestServer echo(boolean tls) throws Exception {
        return new TestServer(tls ? certificate() : null, false, ECHO, 0);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Stops reading every stream (new ones too): their data piles up in the kernel, then in the client. */
    void pause() {
        paused = true;
        for (Stream s : streams) {
            s.channel.eventLoop().submit(() -> s.channel.config().setAutoRead(false)).syncUninterruptibly();
        }
    }

    /** Reads again. */
    void resume() {
        paused = false;
        for (Stream s : streams) {
            s.channel.eventLoop().submit(() -> {
                s.channel.config().setAutoRead(true);
                s.channel.read();
            }).syncUninterruptibly();
        }
    }

    /** Closes every stream (the server stays). */
    void dropStreams() {
        for (Stream s : streams) {
            s.channel.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        for (Stream s : streams) {
            s.channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Tells a WebSocket upgrade from the plain preamble, and sets up the rest for it. */
    private final class Detector extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            StreamFraming.Kind k = StreamFraming.detect(in.nioBuffer());
            if (k == StreamFraming.Kind.MORE) {
                return;
            }
            var p = ctx.pipeline();
            if (k == StreamFraming.Kind.PLAIN) {
                in.skipBytes(StreamFraming.PREAMBLE.length);
                Stream s = new Stream(ctx.channel(), false);
                add(s, "plain");
                p.addAfter(ctx.name(), "frames", new LengthFieldBasedFrameDecoder(StreamFraming.MAX_DATAGRAM, 0, 2, 0, 2));
                p.addAfter("frames", "datagrams", new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext c, ByteBuf frame) {
                        if (frame.isReadable()) {
                            datagrams.incrementAndGet();
                            handler.datagram(s, ByteBufUtil.getBytes(frame));
                        } else {
                            keepalives.incrementAndGet();
                        }
                    }
                });
            } else if (k == StreamFraming.Kind.HTTP) {
                p.addAfter(ctx.name(), "http", new HttpServerCodec());
                p.addAfter("http", "aggregate", new HttpObjectAggregator(8192));
                if (refuseUpgrade) {
                    p.addAfter("aggregate", "refuse", new SimpleChannelInboundHandler<FullHttpRequest>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext c, FullHttpRequest request) {
                            refused.incrementAndGet();
                            var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN);
                            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                            c.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                        }
                    });
                } else {
                    Stream s = new Stream(ctx.channel(), true);
                    add(s, "websocket");
                    p.addAfter("aggregate", "pings", new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext c, Object msg) {
                            if (msg instanceof PingWebSocketFrame) {
                                keepalives.incrementAndGet();
                            }
                            c.fireChannelRead(msg);
                        }
                    });
                    p.addAfter("pings", "websocket", new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                            .websocketPath(StreamFraming.PATH).subprotocols(StreamFraming.SUBPROTOCOL)
                            .maxFramePayloadLength(StreamFraming.MAX_DATAGRAM).build()));
                    p.addAfter("websocket", "datagrams", new SimpleChannelInboundHandler<WebSocketFrame>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext c, WebSocketFrame frame) {
                            if (frame instanceof BinaryWebSocketFrame) {
                                datagrams.incrementAndGet();
                                handler.datagram(s, ByteBufUtil.getBytes(frame.content()));
                            } else {
                                c.close();
                            }
                        }
                    });
                }
            } else {
                ctx.close();
                return;
            }
            p.remove(this); // what is left in the buffer goes on to the handlers after
        }

        private void add(Stream s, String kind) {
            streams.add(s);
            kinds.add(kind);
            if (paused) {
                s.channel.config().setAutoRead(false);
            }
        }
    }
}
