package io.subutai.p2p.transport.udp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;

import io.subutai.p2p.spi.DatagramHandler;
import io.subutai.p2p.spi.UdpSocket;

/**
 * A network instance's UDP socket on Netty: epoll when the native transport loads, NIO otherwise;
 * one event-loop thread ({@code p2p-udp-NAME}) receives and hands each datagram, by its type
 * byte (docs/protocol.md), to the handler registered for it, which keeps the order of every
 * sender's packets. With epoll the kernel coalesces runs of datagrams from one sender (UDP GRO)
 * and hands them over in one read. Sends come from any thread: with epoll straight from the
 * caller's thread on the descriptor ({@link NativeSend}, GSO for runs of datagrams), otherwise
 * through the event loop.
 */
final class NettyUdpSocket implements UdpSocket {

    private static final int TYPE_OFFSET = 1;
    /** The kernel's EPOLLHUP (linux/eventpoll.h): the descriptor's other end is gone. */
    private static final int EPOLLHUP = 0x10;

    private final EventLoopGroup group;
    private final Channel channel;
    private final InetSocketAddress local;
    private final AtomicReferenceArray<DatagramHandler> handlers = new AtomicReferenceArray<>(256);
    private final AtomicLong unhandled = new AtomicLong();
    private final NativeSend direct;
    // guarded by watches
    private final List<Watch> watches = new ArrayList<>();
    private boolean closed;

    private NettyUdpSocket(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
        this.local = (InetSocketAddress) channel.localAddress();
        this.direct = channel instanceof EpollDatagramChannel e ? NativeSend.on(e.fd().intValue()) : null;
    }

    /** @param address the one address to bind (null: every local address) */
    static NettyUdpSocket open(String name, InetAddress address, int minPort, int maxPort) throws IOException {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("p2p-udp-" + name, true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Holder holder = new Holder();
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(epoll ? 65_536 : 2_048))
                .handler(new Receiver(holder));
        if (epoll) {
            b.option(EpollChannelOption.UDP_GRO, true);
        }
        IOException last = null;
        int from = minPort == 0 && maxPort == 0 ? 0 : minPort;
        int to = minPort == 0 && maxPort == 0 ? 0 : maxPort;
        for (int port = from; port <= to; port++) {
            try {
                Channel ch = (address == null ? b.bind(port) : b.bind(address, port)).sync().channel();
                holder.socket = new NettyUdpSocket(group, ch);
                return holder.socket;
            } catch (Exception e) {
                last = new IOException("cannot bind UDP port " + (port == 0 ? "(any)" : port)
                        + (address == null ? "" : " on " + address.getHostAddress()) + ": " + e.getMessage(), e);
            }
        }
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly(); // no thread outlives a failed open
        throw last != null ? last : new IOException("no UDP port in " + minPort + "-" + maxPort);
    }

    /** On the socket's event loop, which delivers its datagrams; dropped once the socket is closed. */
    @Override
    public void execute(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
            return;
        }
        try {
            channel.eventLoop().execute(task);
        } catch (RejectedExecutionException e) {
            // closed: nothing is delivered any more
        }
    }

    /**
     * With epoll: the descriptor joins the socket's epoll set, level-triggered, so the event loop
     * that receives the datagrams runs {@code whenReadable} too. Null without epoll, or once closed.
     */
    @Override
    public AutoCloseable watch(int fd, Runnable whenReadable, Runnable whenLost) {
        if (!(channel instanceof EpollDatagramChannel) || !(channel.eventLoop() instanceof IoEventLoop loop)) {
            return null;
        }
        FileDescriptor d = new FileDescriptor(fd); // not closed here: the descriptor is the caller's
        Watch w = new Watch(whenLost);
        EpollIoHandle handle = new EpollIoHandle() {
            @Override
            public FileDescriptor fd() {
                return d;
            }

            @Override
            public void handle(IoRegistration registration, IoEvent event) {
                if ((((EpollIoEvent) event).ops().value() & (EpollIoOps.EPOLLERR.value() | EPOLLHUP)) == 0) {
                    whenReadable.run();
                } else if (lose(w)) { // failed, or its other end went: its owner's own wait tells which
                    registration.cancel();
                    w.whenLost.run();
                }
            }

            @Override
            public void close() {
                // the descriptor is the caller's
            }
        };
        // not under the lock: the loop takes it (lose) while it serves another watch
        Future<IoRegistration> f;
        try {
            f = loop.register(handle).awaitUninterruptibly();
        } catch (RejectedExecutionException e) {
            return null; // closed
        }
        if (!f.isSuccess()) {
            return null; // closed meanwhile
        }
        w.registration = f.getNow();
        try {
            w.registration.submit(EpollIoOps.EPOLLIN);
        } catch (RuntimeException e) { // the descriptor was closed meanwhile (EBADF): nothing to watch
            cancel(w.registration);
            return null;
        }
        boolean added;
        synchronized (watches) {
            added = !closed && watches.add(w);
        }
        if (!added) { // the socket closed meanwhile: its close did not see this one
            cancel(w.registration);
            return null;
        }
        return () -> {
            if (lose(w)) {
                cancel(w.registration);
            }
        };
    }

    /** Whether {@code w} was still watched (and is no longer). */
    private boolean lose(Watch w) {
        synchronized (watches) {
            return watches.remove(w);
        }
    }

    private void cancel(IoRegistration r) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            r.cancel();
            return;
        }
        try {
            loop.submit(r::cancel).awaitUninterruptibly();
        } catch (RejectedExecutionException e) {
            // the loop is gone, and its registrations with it
        }
    }

    /** A descriptor that {@link #watch} lets the event loop serve. */
    private static final class Watch {
        final Runnable whenLost;
        IoRegistration registration;

        Watch(Runnable whenLost) {
            this.whenLost = whenLost;
        }
    }

    /** Lets the handler, created before the socket, reach it. */
    private static final class Holder {
        volatile NettyUdpSocket socket;
    }

    /** Hands received datagrams to the socket; shared by the bind attempts of one socket. */
    @ChannelHandler.Sharable
    private static final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Holder holder;

        Receiver(Holder holder) {
            this.holder = holder;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            NettyUdpSocket s = holder.socket;
            if (s != null) { // null only for a datagram that beat the end of bind()
                s.dispatch(packet);
            }
        }
    }

    private void dispatch(DatagramPacket packet) {
        ByteBuf content = packet.content();
        if (content.readableBytes() <= TYPE_OFFSET) {
            unhandled.incrementAndGet();
            return;
        }
        DatagramHandler h = handlers.get(content.getByte(content.readerIndex() + TYPE_OFFSET) & 255);
        if (h == null) {
            unhandled.incrementAndGet();
            return;
        }
        try {
            h.received(packet.sender(), content.nioBuffer());
        } catch (RuntimeException e) {
            unhandled.incrementAndGet(); // a handler's failure must not stop the socket
        }
    }

    @Override
    public int pathMtu(InetSocketAddress to) {
        return PathMtu.to(to);
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public void send(InetSocketAddress to, ByteBuffer datagram) {
        if (direct != null) {
            direct.send(to, datagram);
            return;
        }
        ByteBuf buf = channel.alloc().directBuffer(datagram.remaining());
        buf.writeBytes(datagram.duplicate());
        channel.writeAndFlush(new DatagramPacket(buf, to), channel.voidPromise());
    }

    @Override
    public void sendSegments(InetSocketAddress to, ByteBuffer datagrams, int segmentSize) {
        if (direct != null) {
            direct.sendSegments(to, datagrams, segmentSize);
            return;
        }
        UdpSocket.super.sendSegments(to, datagrams, segmentSize);
    }

    /** With the descriptor's own sends only: the event loop's path cannot set the don't-fragment bit per datagram. */
    @Override
    public boolean sendUnfragmented(InetSocketAddress to, ByteBuffer datagram) {
        return direct != null && direct.sendUnfragmented(to, datagram);
    }

    /** The descriptor's IPv4 path MTU discovery mode; -1 without its own sends. */
    int mtuDiscover() {
        return direct == null ? -1 : direct.mtuDiscover();
    }

    /** Whether sends leave from the caller's thread, and whether runs of datagrams use UDP GSO. */
    String sendPath() {
        return direct == null ? "event loop" : direct.gso() ? "direct, GSO" : "direct";
    }

    @Override
    public AutoCloseable register(int type, DatagramHandler handler) {
        if (!handlers.compareAndSet(type & 255, null, handler)) {
            throw new IllegalStateException("a handler for type " + type + " is registered already");
        }
        return () -> handlers.compareAndSet(type & 255, handler, null);
    }

    /** Datagrams the kernel did not take from {@link #send} and {@link #sendSegments}. */
    long dropped() {
        return direct == null ? 0 : direct.dropped();
    }

    /** Datagrams no handler took. */
    long unhandled() {
        return unhandled.get();
    }

    @Override
    public void close() {
        List<Watch> lost;
        synchronized (watches) {
            closed = true;
            lost = new ArrayList<>(watches);
            watches.clear();
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        lost.forEach(w -> w.whenLost.run()); // the loop is gone: their owners wait for the descriptors themselves
    }
}
