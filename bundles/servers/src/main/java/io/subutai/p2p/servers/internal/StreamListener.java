package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.util.concurrent.FastThreadLocalThread;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * A server's stream port (docs/protocol.md §10): a TCP listener whose connections, once they said
 * what they speak ({@link StreamPipeline}), are each a source of datagrams to the server, named by
 * the connection's remote address, and where the server's datagrams to that address go. It holds
 * at most {@link StreamOptions#maxStreams} connections, {@link StreamOptions#perPrefix} of them
 * from one source prefix (the same prefixes as the servers' quotas), and never buffers for a slow
 * stream: a datagram for a stream whose queue holds more than {@link StreamOptions#HIGH_WATER}
 * bytes is dropped (and counted), so a client that stops reading costs the server that much and
 * no more. {@code TCP_NODELAY} on every stream.
 *
 * <p>Its threads are named {@code <name>-N} ({@code p2p-proxy-server-tcp-1}, ...), and {@link
 * #close} stops them. Thread-safe: the server's thread sends, the listener's threads deliver.
 */
final class StreamListener implements AutoCloseable {

    /** Where the listener delivers: called on its threads. */
    interface Sink {
        /** A datagram from the stream at {@code from} (position to limit), valid during the call only. */
        void datagram(ByteBuffer datagram, InetSocketAddress from);

        /** The stream at {@code from}, which was ready, is gone; called after any datagram it delivered. */
        void closed(InetSocketAddress from);
    }

    /** A stream that said what it speaks: where datagrams to its remote address go. */
    private record Stream(Channel channel, boolean webSocket) {
    }

    // immutable
    private final StreamOptions options;
    private final EventLoopGroup group;
    private final Channel server;
    private final Sink sink;
    // concurrent
    private final Map<InetSocketAddress, Stream> live = new ConcurrentHashMap<>();
    private final Map<Channel, Boolean> open = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder refused = new LongAdder();
    // guarded by admitted
    private final Map<String, Integer> admitted = new HashMap<>(); // connections per source prefix
    private int connections;

    private StreamListener(StreamOptions options, String name, Sink sink) throws IOException {
        this.options = options;
        this.sink = sink;
        boolean epoll = epoll();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(options.threads(), threads(name), io);
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ByteBufAllocator buffers = Buffers.pooled(options.threads());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(type)
                .option(ChannelOption.ALLOCATOR, buffers)
                .childOption(ChannelOption.ALLOCATOR, buffers)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(StreamOptions.LOW_WATER, StreamOptions.HIGH_WATER))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted(ch);
                    }
                });
        try {
            this.server = b.bind(options.listen()).syncUninterruptibly().channel();
        } catch (Exception e) { // the bind's own exception (a java.net.BindException, say), thrown undeclared
            shutdown(group);
            throw new IOException("cannot listen on TCP " + options.listen() + ": " + e.getMessage(), e);
        }
    }

    /** Binds {@code options.listen()} and takes streams until closed; its threads are named {@code name-N}. */
    static StreamListener start(StreamOptions options, String name, Sink sink) throws IOException {
        return new StreamListener(options, name, sink);
    }

    private static boolean epoll() {
        try {
            return Epoll.isAvailable();
        } catch (LinkageError e) { // the native part is not on this class path: NIO does as well
            return false;
        }
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new FastThreadLocalThread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Where it listens (the port it was given, or the one it got for port 0). */
    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    StreamOptions options() {
        return options;
    }

    /** A new connection: counted and set up, or closed at once when the listener or its prefix is full. */
    private void accepted(Channel ch) {
        InetSocketAddress from = (InetSocketAddress) ch.remoteAddress();
        String prefix = BootstrapServer.prefix(from);
        synchronized (admitted) {
            if (connections >= options.maxStreams() || admitted.getOrDefault(prefix, 0) >= options.perPrefix()) {
                refused.increment();
                ch.close();
                return;
            }
            connections++;
            admitted.merge(prefix, 1, Integer::sum);
        }
        open.put(ch, Boolean.TRUE);
        ch.closeFuture().addListener(f -> gone(ch, from, prefix));
        StreamPipeline.install(ch, options, new StreamPipeline.Connection() {
            @Override
            public void ready(Channel channel, boolean webSocket) {
                if (channel.isActive()) {
                    live.put(from, new Stream(channel, webSocket));
                }
            }

            @Override
            public void datagram(ByteBuffer datagram) {
                sink.datagram(datagram, from);
            }
        });
    }

    private void gone(Channel ch, InetSocketAddress from, String prefix) {
        open.remove(ch);
        synchronized (admitted) {
            connections--;
            admitted.computeIfPresent(prefix, (k, n) -> n > 1 ? n - 1 : null);
        }
        Stream s = live.get(from);
        if (s != null && s.channel() == ch && live.remove(from, s)) {
            try { // later on its loop, not inside whatever closed it (a send, under the server's monitor)
                ch.eventLoop().execute(() -> sink.closed(from));
            } catch (RejectedExecutionException e) {
                // the listener is closing: so is the server
            }
        }
    }

    /** Whether a stream that is ready has the remote address {@code address}. */
    boolean live(InetSocketAddress address) {
        return live.containsKey(address);
    }

    /**
     * Sends {@code length} bytes of {@code data} down the stream at {@code to} (copied: the array
     * is the caller's again on return); dropped and counted when there is no such stream or its
     * queue is over the high water mark.
     */
    void send(byte[] data, int length, InetSocketAddress to) {
        Stream s = live.get(to);
        Channel ch = s == null ? null : s.channel();
        if (ch == null || !ch.isWritable() || length > StreamFraming.MAX_DATAGRAM) {
            dropped.increment();
            return;
        }
        if (s.webSocket()) {
            ByteBuf b = ch.alloc().buffer(length).writeBytes(data, 0, length);
            ch.writeAndFlush(new BinaryWebSocketFrame(b));
        } else {
            ByteBuf b = ch.alloc().buffer(2 + length).writeShort(length).writeBytes(data, 0, length);
            ch.writeAndFlush(b);
        }
    }

    /** Connections now, ready or not. */
    int connections() {
        synchronized (admitted) {
            return connections;
        }
    }

    /** Streams ready now. */
    int streams() {
        return live.size();
    }

    /** Datagrams for a stream dropped: none there, or its queue full. */
    long dropped() {
        return dropped.sum();
    }

    /** Connections closed at once: the listener or their source prefix full. */
    long refused() {
        return refused.sum();
    }

    /** Bytes queued (in this process) for the stream at {@code to}: what a slow client costs the server. */
    long queued(InetSocketAddress to) {
        Stream s = live.get(to);
        ChannelOutboundBuffer out = s == null ? null : s.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** Stops listening, closes every connection and stops the threads. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Channel ch : open.keySet()) {
            ch.close();
        }
        shutdown(group);
    }

    private static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
