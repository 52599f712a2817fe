package io.subutai.p2p.transport.tcp.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import org.osgi.service.log.Logger;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.StreamLink;
import io.subutai.p2p.spi.StreamTarget;
import io.subutai.p2p.wire.dht.ServerName;
import io.subutai.p2p.wire.stream.ProxyUrl;
import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * A link to a server over a stream (docs/protocol.md §10): it resolves the server's name (off the
 * event loop), connects, through the proxy if there is one, does TLS and the WebSocket upgrade as
 * its URL says ({@link LinkPipeline}), and then carries datagrams both ways until the connection
 * breaks; then it waits (1 s, doubling to 30 s; again 1 s after a connection that held 30 s) and
 * connects again, until closed. A {@code wss://} link whose attempt fails (a middlebox that refuses
 * the upgrade, say) tries the plain stream on TLS next, and alternates.
 *
 * <p><b>Drop, not buffer</b> ({@link LinkWriter}). A datagram is written only when it fits in the channel below its high
 * water mark (at most 256 KiB wait in it: {@code WriteBufferWaterMark(128 KiB, 256 KiB)}; with epoll
 * the kernel keeps at most 32 KiB unsent besides, {@code TCP_NOTSENT_LOWAT}); otherwise it is
 * dropped and counted, as a full UDP socket would. What the stream carries is itself mostly TCP, which
 * retransmits on its own: queueing it behind a slow stream would only add delay (TCP over TCP).
 *
 * <p><b>Certificates.</b> TLS here gets through middleboxes; it is not what makes the link
 * trusted (what servers say is authenticated by their key, and the mesh's traffic is sealed end to
 * end). So any certificate is accepted, and its SHA-256 compared with the one announced (or the
 * first one seen): another one is logged once and shown in {@link #describe()}.
 *
 * <p><b>Threads.</b> Everything that changes the link's state runs on its event loop (one of the
 * component's {@code p2p-tcp} threads), which also delivers what arrives, in order. {@link #send},
 * {@link #connected} and {@link #describe} read from any thread; {@link #close} waits only for a
 * delivery in progress.
 */
final class Link implements StreamLink {

    /** What the relay client learns of a link, on the link's event loop (not after {@link #close}). */
    interface Listener {
        Listener NONE = new Listener() {
            @Override
            public void up() {
            }

            @Override
            public void down() {
            }
        };

        /** The link is up: datagrams may go. */
        void up();

        /** The link went down (it connects again by itself). */
        void down();
    }

    private enum State { CONNECTING, CONNECTED, WAITING, CLOSED }


    // immutable
    private final TcpTransport owner;
    private final String url;
    private final String host;
    private final int port;
    private final String path;
    private final Way preferred;
    private final ProxyUrl proxy;
    private final DatagramHandler receiver;
    private final Listener listener;
    private final String name;
    private final Logger log;
    private final Timing timing;
    private final EventLoop loop;
    /** Held while a datagram is delivered, and by {@link #close} to end deliveries. */
    private final Object delivering = new Object();

    // atomic, or volatile for readers on other threads
    /** The channel while the link is up, and what is sent on it. */
    private final LinkWriter writer = new LinkWriter();
    private final AtomicLong received = new AtomicLong();
    private volatile boolean closed; // set under delivering
    private volatile InetSocketAddress remote;
    private volatile State state = State.CONNECTING;
    private volatile Way way;
    private volatile String stage = "";
    private volatile String error = "";
    private volatile long retryAt;
    private volatile byte[] certificate; // the last one seen
    private volatile boolean intercepted; // the last one seen is not the one expected

    // the event loop's
    private byte[] expected; // the certificate announced, or the first one seen
    private boolean warned;
    private boolean fallback; // a wss:// link's next attempt is the plain stream on TLS
    private Channel channel; // the current attempt's
    private int attempt;
    private long backoff;
    private long upAt;
    private ScheduledFuture<?> timer;

    Link(TcpTransport owner, ServerName server, StreamTarget target, ProxyUrl proxy, DatagramHandler receiver,
            Listener listener, Logger log, Timing timing, EventLoop loop) {
        this.owner = owner;
        this.url = server.name();
        String hp = server.hostPort();
        int colon = hp.lastIndexOf(':');
        String h = hp.substring(0, colon);
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = Integer.parseInt(hp.substring(colon + 1));
        this.path = server.path();
        this.preferred = Way.of(server.scheme());
        this.way = preferred;
        this.proxy = proxy;
        this.receiver = receiver;
        this.listener = listener;
        this.name = target.name().isEmpty() ? url : target.name();
        this.log = log;
        this.timing = timing;
        this.loop = loop;
        this.expected = target.certificate();
        this.backoff = timing.firstRetry().toNanos();
        if (TcpTransport.literal(host)) {
            remote = new InetSocketAddress(TcpTransport.address(host), port);
        }
    }

    /** Starts connecting. */
    void start() {
        run(this::attempt);
    }

    private void run(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            state = State.CLOSED; // the component is going away
        }
    }

    // ---- attempts (on the event loop)

    private void attempt() {
        if (closed) {
            return;
        }
        int id = ++attempt;
        Way w = preferred == Way.WSS && fallback ? Way.TLS_PLAIN : preferred;
        way = w;
        error = "";
        state = State.CONNECTING;
        stage = "resolving " + (proxy != null ? proxy.host() : host);
        timer = loop.schedule(() -> deadline(id), timing.connect().toNanos(), TimeUnit.NANOSECONDS);
        owner.resolve(host, proxy == null ? null : proxy.host(), (server, proxyAddress, failure) -> run(() -> {
            if (id != attempt || closed) {
                return;
            }
            if (failure != null) {
                failed(failure);
                return;
            }
            if (server != null) {
                remote = new InetSocketAddress(server, port);
            } else if (remote == null) {
                remote = InetSocketAddress.createUnresolved(host, port); // the proxy resolves it
            }
            connect(w, proxyAddress == null ? null : new InetSocketAddress(proxyAddress, proxy.port()));
        }));
    }

    private void connect(Way w, InetSocketAddress proxyAt) {
        stage = "connecting";
        Bootstrap b = owner.bootstrap(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                LinkPipeline.build(ch, w, host, port, path, proxy, proxyAt, owner.tls(), timing, events);
            }
        });
        // through a proxy the server's name goes to the proxy, which resolves it
        ChannelFuture f = b.connect(proxyAt != null ? InetSocketAddress.createUnresolved(host, port) : remote);
        Channel ch = f.channel();
        channel = ch;
        ch.closeFuture().addListener(done -> ended(ch, f));
    }

    /** The attempt {@code id} is not up in time. */
    private void deadline(int id) {
        if (id != attempt || state != State.CONNECTING) {
            return;
        }
        String why = "not up within " + LinkPipeline.seconds(timing.connect()) + (stage.isEmpty() ? "" : " (at " + stage + ")");
        if (channel != null) {
            error = why;
            channel.close();
        } else {
            attempt++; // the look-up still running is of no use any more
            failed(why);
        }
    }

    /** An attempt that made no channel failed. */
    private void failed(String why) {
        error = why;
        retry(false);
    }

    /** The connection {@code ch} (connected by {@code connecting}) ended: the link goes down and tries again. */
    private void ended(Channel ch, ChannelFuture connecting) {
        if (ch != channel) {
            return;
        }
        if (error.isEmpty() && connecting.isDone() && connecting.cause() != null) {
            error = LinkPipeline.why(connecting.cause());
        }
        channel = null;
        boolean wasUp = writer.down(ch);
        if (wasUp && !closed) {
            log.info("{}: lost the stream to {} ({})", name, url, error.isEmpty() ? "closed by the server" : error);
            listener.down();
        }
        if (error.isEmpty()) {
            error = wasUp ? "the server closed the stream" : "closed during " + (stage.isEmpty() ? "the handshake" : stage);
        }
        retry(wasUp);
    }

    private void retry(boolean wasUp) {
        if (timer != null) {
            timer.cancel(false);
        }
        if (closed) {
            state = State.CLOSED;
            return;
        }
        if (!wasUp && preferred == Way.WSS) {
            fallback = !fallback;
        }
        long now = System.nanoTime();
        if (wasUp && now - upAt >= timing.stable().toNanos()) {
            backoff = timing.firstRetry().toNanos();
        }
        long delay = backoff;
        backoff = Math.min(backoff * 2, timing.lastRetry().toNanos());
        retryAt = now + delay;
        state = State.WAITING;
        log.debug("{}: no stream ({}); again in {} ms", this, error, delay / 1_000_000);
        timer = loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
    }

    /** What the attempt's handlers say; all on the event loop. */
    private final LinkPipeline.Owner events = new LinkPipeline.Owner() {
        @Override
        public void up(Channel ch) {
            if (ch != channel || closed) {
                return;
            }
            if (timer != null) {
                timer.cancel(false);
            }
            Way w = way;
            if (!w.websocket) {
                ch.writeAndFlush(Unpooled.wrappedBuffer(StreamFraming.PREAMBLE), ch.voidPromise());
            }
            state = State.CONNECTED;
            error = "";
            upAt = System.nanoTime();
            writer.up(ch, w);
            log.info("{}: connected to {} ({}{})", name, url, w.label, proxy == null ? "" : " via " + proxyLabel());
            listener.up();
        }

        @Override
        public void datagram(Channel ch, ByteBuf content) {
            try {
                if (ch == channel && content.isReadable()) {
                    deliver(content.nioBuffer());
                }
            } finally {
                content.release();
            }
        }

        @Override
        public void certificate(Channel ch, byte[] sha256) {
            if (ch != channel || sha256 == null) {
                return;
            }
            certificate = sha256;
            if (expected == null) {
                expected = sha256; // the first one seen is the one expected from now on
            }
            intercepted = !Arrays.equals(expected, sha256);
            if (intercepted && !warned) {
                warned = true;
                log.warn("{}: {} (the link goes on: what it carries is authenticated end to end)", name, interception());
            }
        }

        @Override
        public void failed(Channel ch, String why) {
            if (ch == channel && error.isEmpty()) {
                error = why;
            }
        }

        @Override
        public void stage(Channel ch, String now) {
            if (ch == channel) {
                stage = now;
            }
        }
    };

    private void deliver(ByteBuffer datagram) {
        synchronized (delivering) {
            if (closed) {
                return;
            }
            received.incrementAndGet();
            try {
                receiver.received(remote, datagram);
            } catch (RuntimeException e) {
                log.debug("{}: the receiver failed on a datagram: {}", name, e.toString());
            }
        }
    }

    // ---- from any thread

    @Override
    public boolean send(ByteBuffer datagram) {
        return send(null, datagram);
    }

    /** Sends {@code head} (may be null) and {@code datagram} as one datagram; false when it was dropped. */
    boolean send(byte[] head, ByteBuffer datagram) {
        return writer.send(head, datagram);
    }

    /** Sends a TAP super-frame's segments, each after {@code head} (see {@link LinkWriter#sendSegments}). */
    void sendSegments(byte[] head, ByteBuffer datagrams, int segmentSize) {
        writer.sendSegments(head, datagrams, segmentSize);
    }

    @Override
    public boolean connected() {
        return writer.connected();
    }

    @Override
    public InetSocketAddress remote() {
        return remote;
    }

    /** Bytes waiting in the link's channel (written, not yet taken by the kernel). */
    long queued() {
        Channel ch = channel;
        ChannelOutboundBuffer out = ch == null ? null : ch.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** The way the link goes now (or tries to). */
    Way way() {
        return way;
    }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder(url).append(": ");
        State st = state;
        switch (st) {
            case CONNECTING -> s.append("connecting");
            case CONNECTED -> s.append("connected");
            case WAITING -> s.append("waiting ")
                    .append(Math.max(0, (retryAt - System.nanoTime() + 999_999_999L) / 1_000_000_000L))
                    .append("s after ").append(error);
            case CLOSED -> s.append("closed");
        }
        s.append(", ").append(way.label);
        if (proxy != null) {
            s.append(" via ").append(proxyLabel());
        }
        byte[] c = certificate;
        if (c != null) {
            s.append(", certificate ").append(HexFormat.of().formatHex(c, 0, 8)).append('…');
        }
        s.append(", datagrams sent ").append(writer.sent()).append(", dropped ").append(writer.dropped())
                .append(", received ").append(received.get());
        if (intercepted) {
            s.append("; ").append(interception());
        }
        return s.toString();
    }

    private String interception() {
        byte[] c = certificate;
        byte[] e = expected;
        return "TLS certificate " + HexFormat.of().formatHex(c, 0, 8) + "… is not the one announced ("
                + HexFormat.of().formatHex(e, 0, 8) + "…): a middlebox terminates TLS?";
    }

    private String proxyLabel() {
        String h = proxy.host().indexOf(':') >= 0 ? "[" + proxy.host() + "]" : proxy.host();
        return proxy.scheme() + " proxy " + h + ":" + proxy.port();
    }

    @Override
    public void close() {
        synchronized (delivering) {
            if (closed) {
                return;
            }
            closed = true;
        }
        owner.forget(this);
        run(() -> {
            if (timer != null) {
                timer.cancel(false);
            }
            state = State.CLOSED;
            writer.down(null);
            if (channel != null) {
                channel.close();
            }
        });
    }

    @Override
    public String toString() {
        return name.equals(url) ? url : name + " (" + url + ")";
    }
}
