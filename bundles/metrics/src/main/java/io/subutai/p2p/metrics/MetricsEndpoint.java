package io.subutai.p2p.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * {@code GET /metrics} in the Prometheus text format (0.0.4), over HTTP/1.1 on one thread of its
 * own: what a Prometheus server scrapes. With a token, a request must carry {@code Authorization:
 * Bearer TOKEN} (compared in constant time) or gets 401; other paths get 404, other methods 405.
 * Each request is answered and its connection closed; one that sends nothing for 10 s is closed.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The largest request it reads (request line and headers). */
    static final int MAX_REQUEST = 8192;
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private final EventLoopGroup group;
    private final Channel server;

    private MetricsEndpoint(InetSocketAddress listen, String token, Supplier<MetricSnapshots> metrics, String threadName)
            throws IOException {
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName, true), NioIoHandler.newFactory());
        byte[] expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(10), new HttpServerCodec(MAX_REQUEST, MAX_REQUEST, MAX_REQUEST),
                                new HttpObjectAggregator(MAX_REQUEST), new Handler(expected, metrics));
                    }
                });
        try {
            this.server = b.bind(listen).syncUninterruptibly().channel();
        } catch (Exception e) { // the bind's own exception (a BindException), thrown undeclared
            shutdown();
            throw new IOException("cannot listen for metrics on TCP " + io.subutai.p2p.wire.ListenAddress.text(listen) + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Listens on {@code listen} and serves what {@code metrics} gives at every scrape.
     *
     * @param token      the bearer token a scrape must carry; null: none needed
     * @param threadName the name of its thread
     * @throws IOException when it cannot listen there
     */
    public static MetricsEndpoint start(InetSocketAddress listen, String token, Supplier<MetricSnapshots> metrics,
            String threadName) throws IOException {
        return new MetricsEndpoint(listen, token, metrics, threadName);
    }

    /** Where it listens (the port it got, when given 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops listening and its thread. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdown();
    }

    private void shutdown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The token in {@code file}: its first line, trimmed; it must not be empty. */
    public static String readToken(Path file) throws IOException {
        return io.subutai.p2p.wire.BearerToken.read(file);
    }

    /** Answers one request per connection. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] expected;
        private final Supplier<MetricSnapshots> metrics;

        Handler(byte[] expected, Supplier<MetricSnapshots> metrics) {
            this.expected = expected;
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpResponse response;
            if (!request.decoderResult().isSuccess()) {
                response = plain(HttpResponseStatus.BAD_REQUEST, "bad request\n");
            } else if (!new QueryStringDecoder(request.uri()).path().equals("/metrics")) {
                response = plain(HttpResponseStatus.NOT_FOUND, "only /metrics here\n");
            } else if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "GET /metrics\n");
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            } else if (expected != null && !authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                response = plain(HttpResponseStatus.UNAUTHORIZED, "a bearer token is needed\n");
                response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            } else {
                response = scrape(ctx, request.method().equals(HttpMethod.HEAD));
            }
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        private boolean authorized(String header) {
            return header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
        }

        private FullHttpResponse scrape(ChannelHandlerContext ctx, boolean head) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, ctx.alloc().buffer());
            try (ByteBufOutputStream out = new ByteBufOutputStream(r.content())) {
                WRITER.write(out, metrics.get(), EscapingScheme.UNDERSCORE_ESCAPING);
            } catch (IOException | RuntimeException e) {
                r.release();
                return plain(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot collect the metrics: " + e + "\n");
            }
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, PrometheusTextFormatWriter.CONTENT_TYPE);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            if (head) {
                r.content().clear(); // the length it would have, no body
            }
            return r;
        }

        private static FullHttpResponse plain(HttpResponseStatus status, String text) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    io.netty.buffer.Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset, a timeout, a request too large: the connection goes
        }
    }
}
