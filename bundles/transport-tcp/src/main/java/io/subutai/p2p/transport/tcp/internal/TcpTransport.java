package io.subutai.p2p.transport.tcp.internal;

import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.FastThreadLocalThread;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.StreamLink;
import io.subutai.p2p.spi.StreamTarget;
import io.subutai.p2p.spi.Streams;
import io.subutai.p2p.spi.Transport;
import io.subutai.p2p.spi.TransportContext;
import io.subutai.p2p.spi.TransportSession;
import io.subutai.p2p.wire.dht.ServerName;
import io.subutai.p2p.wire.stream.ProxyUrl;

/**
 * Streams to servers for networks that block UDP (docs/protocol.md §10), on Netty: the {@link
 * Streams} that discovery uses for {@code -dht wss://...} servers, and the transport whose {@link
 * StreamRelayClient} reaches relays over them. Ranked below the relay client over UDP, whose paths
 * the engine prefers anyway.
 *
 * <p>Owns the threads of every link: an event-loop group ({@code p2p-tcp-N}; epoll when the native
 * transport loads, NIO otherwise) and the name look-ups ({@code p2p-tcp-resolve}, while one runs).
 * All are stopped when the component goes, after every link is closed.
 *
 * <p>A link goes through the proxy its target names, else the network's ({@code start -proxy}),
 * else the daemon's {@code HTTPS_PROXY} (or {@code https_proxy}; without a scheme it is an HTTP
 * proxy), else none.
 */
@Component(service = {Transport.class, Streams.class}, property = {Transport.PROPERTY + "=tcp",
    Transport.PREFERENCE + ":Integer=5", Streams.PROPERTY + "=tcp"})
public final class TcpTransport implements Transport, Streams {

    /** Event-loop threads, at most. */
    private static final int THREADS = 2;
    /** The channel's own queue: writable below the high mark, again below the low one (bytes). */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 256 * 1024);
    /** What the kernel keeps unsent at most, with epoll (the rest waits, or is dropped, in the channel). */
    static final long NOT_SENT_LOW_WATER = 32 * 1024;

    // immutable
    private final Logger log;
    private final Map<String, String> environment;
    private final Timing timing;
    private final boolean epoll;
    private final EventLoopGroup group;
    private final ThreadPoolExecutor resolver;
    private final SslContext tls;

    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    @Activate
    public TcpTransport(@Reference(service = LoggerFactory.class) Logger log) {
        this(log, System.getenv(), Timing.DEFAULT, true);
    }

    /**
     * @param environment     where {@code HTTPS_PROXY} is looked up
     * @param nativeTransport whether to use epoll when it loads
     */
    TcpTransport(Logger log, Map<String, String> environment, Timing timing, boolean nativeTransport) {
        this.log = log;
        this.environment = Map.copyOf(environment);
        this.timing = timing;
        this.epoll = nativeTransport && Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(Math.min(THREADS, Runtime.getRuntime().availableProcessors()),
                threads("p2p-tcp-"), epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.resolver = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads("p2p-tcp-resolve-"));
        this.resolver.allowCoreThreadTimeOut(true);
        try {
            this.tls = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(new AnyCertificate()).build();
        } catch (SSLException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("the JDK's TLS does not start: " + e.getMessage(), e);
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new FastThreadLocalThread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Deactivate
    void deactivate() {
        for (Link l : links) {
            l.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        resolver.shutdownNow();
        try {
            resolver.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public TransportSession attach(TransportContext context) {
        return new StreamRelayClient(context, this, log);
    }

    @Override
    public StreamLink open(StreamTarget target, DatagramHandler receiver) {
        return open(target, receiver, Link.Listener.NONE);
    }

    /** A link that also tells {@code listener} when it goes up and down. */
    Link open(StreamTarget target, DatagramHandler receiver, Link.Listener listener) {
        ServerName server = ServerName.parse(target.url());
        if (!server.stream()) {
            throw new IllegalArgumentException("'" + target.url() + "' is a server over UDP; a stream's URL begins with wss://,"
                    + " ws://, tls:// or tcp://");
        }
        Link l = new Link(this, server, target, proxy(target.proxy()), receiver, listener, log, timing, group.next());
        links.add(l);
        l.start();
        return l;
    }

    /** The proxy a link goes through: {@code given}, else the environment's; null: none. */
    ProxyUrl proxy(String given) {
        if (!given.isBlank()) {
            return ProxyUrl.parse(given);
        }
        for (String variable : new String[] {"HTTPS_PROXY", "https_proxy"}) {
            String v = environment.get(variable);
            if (v != null && !v.isBlank()) {
                try {
                    return ProxyUrl.parse(v.contains("://") ? v : "http://" + v);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(variable + ": " + e.getMessage(), e);
                }
            }
        }
        return null;
    }

    void forget(Link link) {
        links.remove(link);
    }

    SslContext tls() {
        return tls;
    }

    /** A connection's bootstrap on {@code loop}: addresses are resolved before (or by the proxy). */
    Bootstrap bootstrap(EventLoop loop) {
        Bootstrap b = new Bootstrap().group(loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timing.connect().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
        if (epoll) {
            b.option(EpollChannelOption.TCP_NOTSENT_LOWAT, NOT_SENT_LOW_WATER);
        }
        return b;
    }

    /** Whether the links use epoll (else NIO). */
    boolean epoll() {
        return epoll;
    }

    /** What a look-up found: the server's address (null: unknown, the proxy resolves it), the proxy's, or why it failed. */
    interface Resolved {
        void done(InetAddress server, InetAddress proxy, String failure);
    }

    /** Looks up {@code host} and {@code proxyHost} (null: none), off the event loops unless both are addresses. */
    void resolve(String host, String proxyHost, Resolved then) {
        if (literal(host) && (proxyHost == null || literal(proxyHost))) {
            then.done(address(host), proxyHost == null ? null : address(proxyHost), null);
            return;
        }
        try {
            resolver.execute(() -> {
                InetAddress p = null;
                if (proxyHost != null) {
                    try {
                        p = InetAddress.getByName(proxyHost);
                    } catch (UnknownHostException e) {
                        then.done(null, null, "the proxy " + proxyHost + " is not found (DNS)");
                        return;
                    }
                }
                InetAddress s = null;
                try {
                    s = InetAddress.getByName(host);
                } catch (UnknownHostException e) {
                    if (proxyHost == null) {
                        then.done(null, null, host + " is not found (DNS)");
                        return;
                    }
                }
                then.done(s, p, null);
            });
        } catch (RejectedExecutionException e) {
            // going away
        }
    }

    /** Whether {@code host} is an IPv4 or IPv6 address written out. */
    static boolean literal(String host) {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    /** The address {@code literal} writes out. */
    static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(literal));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /**
     * Takes every certificate: TLS on a link gets it through middleboxes; trust comes from the
     * servers' keys and the mesh's end-to-end sealing. The link compares the certificate's
     * fingerprint with the one announced, after the handshake.
     */
    private static final class AnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
