package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * A {@link UdpPort} that moves datagrams in batches, as members do: Netty's epoll transport on one
 * event loop thread. It receives with UDP GRO on, so that the kernel hands over a run of datagrams
 * from one sender (a member's GSO send) in one {@code recvmsg} of up to 64 KiB; Netty splits it
 * again, and each datagram reaches the receiver copied into an array the port owns. (Not {@code
 * recvmmsg}: Netty's passes the kernel no room for the GRO segment size, and a run then comes as
 * one datagram.) It reads until the socket is empty or {@link #MAX_READ} datagrams came. What the
 * receiver forwards meanwhile is copied, in order, into a batch buffer, where consecutive datagrams
 * to one address and of one size (the last may be shorter) make a run, sent as one datagram with
 * UDP GSO ({@code UDP_SEGMENT}); when the read is done, everything leaves in {@code sendmmsg} calls
 * (Netty's flush). So a member's run of datagrams for one peer crosses the relay in one receive
 * and one send.
 *
 * <p>Where the kernel refuses GRO, datagrams come one per call (and still leave together); where a
 * GSO send fails, that run goes again a datagram each, and so does everything after it: both
 * silently, as the members' own sends do. Where Netty's epoll transport is not there at all,
 * {@link #available} says so and the server takes a {@link PlainUdpPort}.
 *
 * <p>Memory: buffers of its own ({@link Buffers}, one arena), in flight one receive buffer and the
 * batch buffers not yet sent; sends wait in Netty's queue up to {@link #HIGH_WATER} bytes, and past
 * that are dropped (counted by {@link #unsent}). Its thread is named as given; {@link #close} stops
 * it.
 */
final class BatchUdpPort implements UdpPort {

    /** The most one GSO send carries: an IP packet's limit, less the headers (as members send). */
    static final int GSO_MAX_BYTES = 65_000;
    /** The most segments one GSO send carries (the kernel's limit on older kernels). */
    static final int GSO_MAX_SEGMENTS = 64;
    /** A receive slot: the largest datagram, and the largest run the kernel coalesces. */
    private static final int SLOT = 65_536;
    /** Datagrams read, at most, before what they made is sent. */
    private static final int MAX_READ = 256;
    private static final int BATCH = 256 << 10;
    private static final int HIGH_WATER = 4 << 20;

    /** Whether Netty's epoll transport, native part included, works in this process. */
    static boolean available() {
        try {
            return Epoll.isAvailable();
        } catch (LinkageError e) { // not on this class path
            return false;
        }
    }

    // immutable
    private final Receiver receiver;
    private final ByteBufAllocator alloc;
    private final EventLoopGroup group;
    private final Channel channel;
    private final InetSocketAddress address;
    private final boolean gro;
    // the event loop's
    private final byte[] in = new byte[SLOT];
    private final ByteBuffer inBuffer = ByteBuffer.wrap(in);
    private boolean reading; // between a read's first datagram and its end
    private ByteBuf batch; // forwarded datagrams, copied; each run a slice of it
    private int runStart = -1; // -1: no run
    private int runSegment;
    private int runCount;
    private boolean runShort; // its last segment is shorter: nothing more joins it
    private InetSocketAddress runTo;
    private volatile long segmentedRuns; // written by the event loop only
    // any thread
    private volatile boolean gso;
    private final LongAdder unsent = new LongAdder();

    /**
     * Binds {@code listen}, with its thread named {@code name}; {@code offload}: use UDP GRO and GSO
     * where the kernel takes them (false: batches of single datagrams only).
     */
    BatchUdpPort(InetSocketAddress listen, String name, Receiver receiver, boolean offload) throws IOException {
        this.receiver = receiver;
        this.alloc = Buffers.pooled(1);
        this.group = new MultiThreadIoEventLoopGroup(1, thread(name), EpollIoHandler.newFactory());
        FixedRecvByteBufAllocator slots = new FixedRecvByteBufAllocator(SLOT).respectMaybeMoreData(false);
        slots.maxMessagesPerRead(MAX_READ); // datagrams, as Netty counts them after splitting runs
        Bootstrap b = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.AUTO_READ, false) // until start: the server is not built yet
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, slots)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(HIGH_WATER / 2, HIGH_WATER))
                .handler(new Handler());
        try {
            this.channel = b.bind(listen).sync().channel();
        } catch (Exception e) { // the bind's own exception, thrown undeclared
            shutdown();
            throw new IOException("cannot listen on UDP " + listen + ": " + e.getMessage(), e);
        }
        this.address = (InetSocketAddress) channel.localAddress();
        this.gro = offload && enableGro(channel);
        this.gso = offload && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
    }

    private static boolean enableGro(Channel channel) {
        try {
            return channel.config().setOption(EpollChannelOption.UDP_GRO, true);
        } catch (RuntimeException e) { // the kernel refused it (before Linux 5.0)
            return false;
        }
    }

    private static ThreadFactory thread(String name) {
        return r -> {
            Thread t = new FastThreadLocalThread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** Whether runs arrive whole (GRO) and leave whole (GSO): the kernel took both, so far. */
    boolean offloads() {
        return gro && gso;
    }

    /** Runs of datagrams queued as one GSO send each. */
    long segmentedRuns() {
        return segmentedRuns;
    }

    /** The channel, for tests that make the kernel refuse what it would take. */
    Channel channel() {
        return channel;
    }

    /** Datagrams not sent: Netty's queue was over {@link #HIGH_WATER} (the socket's buffer stayed full). */
    long unsent() {
        return unsent.sum();
    }

    @Override
    public void start() {
        channel.eventLoop().scheduleAtFixedRate(this::idle, 250, 250, TimeUnit.MILLISECONDS);
        channel.config().setAutoRead(true);
    }

    private void idle() {
        try {
            receiver.idle();
        } catch (RuntimeException | Error e) { // would cancel the schedule
            receiver.failed(e);
        }
    }

    @Override
    public void send(byte[] data, int length, InetSocketAddress to) {
        if (!channel.isWritable()) {
            unsent.increment();
            return;
        }
        write(new DatagramPacket(alloc.directBuffer(length).writeBytes(data, 0, length), to));
    }

    @Override
    public void forward(ByteBuffer datagram, InetSocketAddress to) {
        if (!reading || !channel.eventLoop().inEventLoop()) {
            if (!channel.isWritable()) {
                unsent.increment();
                return;
            }
            write(new DatagramPacket(alloc.directBuffer(datagram.remaining()).writeBytes(datagram.duplicate()), to));
            return;
        }
        int n = datagram.remaining();
        if (runStart >= 0 && !joins(n, to)) {
            endRun();
        }
        if (batch == null || batch.writableBytes() < n) {
            endRun();
            if (batch != null) {
                batch.release(); // the runs sliced from it hold it until they are sent
            }
            batch = alloc.directBuffer(Math.max(BATCH, n));
        }
        if (runStart < 0) {
            if (!channel.isWritable()) {
                unsent.increment();
                return;
            }
            runStart = batch.writerIndex();
            runTo = to;
            runSegment = n;
            runCount = 0;
            runShort = false;
        }
        int p = datagram.position();
        batch.writeBytes(datagram);
        datagram.position(p);
        runCount++;
        runShort = n < runSegment;
    }

    /** Whether a datagram of {@code n} bytes to {@code to} may join the run as its next segment. */
    private boolean joins(int n, InetSocketAddress to) {
        return gso && !runShort && n <= runSegment && runCount < GSO_MAX_SEGMENTS
                && batch.writerIndex() - runStart + n <= GSO_MAX_BYTES && (to == runTo || to.equals(runTo));
    }

    /** Queues the run, if any: one datagram, or one GSO send of its segments. */
    private void endRun() {
        if (runStart < 0) {
            return;
        }
        ByteBuf data = batch.retainedSlice(runStart, batch.writerIndex() - runStart);
        if (runCount == 1) {
            channel.write(new DatagramPacket(data, runTo), channel.voidPromise());
        } else {
            Run run = new Run(data, runSegment, runTo);
            run.retain(); // kept until it is sent: sent again a datagram each if the GSO send fails
            channel.write(run, channel.newPromise().addListener(run));
            segmentedRuns++;
        }
        runStart = -1;
        runTo = null;
    }

    /** Queues a datagram behind what the read forwarded so far, or sends it now when no read is on. */
    private void write(DatagramPacket p) {
        if (reading && channel.eventLoop().inEventLoop()) {
            endRun();
            channel.write(p, channel.voidPromise());
        } else {
            channel.writeAndFlush(p, channel.voidPromise());
        }
    }

    /** A run sent with UDP GSO, which, when the kernel refuses it, goes again a datagram each. */
    private final class Run extends SegmentedDatagramPacket implements ChannelFutureListener {
        Run(ByteBuf data, int segment, InetSocketAddress to) {
            super(data, segment, to);
        }

        @Override
        public void operationComplete(ChannelFuture f) {
            try {
                if (!f.isSuccess()) {
                    gso = false; // this kernel or route refuses UDP_SEGMENT: one datagram per call from now on
                    ByteBuf data = content();
                    for (int i = data.readerIndex(); i < data.writerIndex(); i += segmentSize()) {
                        int n = Math.min(segmentSize(), data.writerIndex() - i);
                        channel.write(new DatagramPacket(data.retainedSlice(i, n), recipient()), channel.voidPromise());
                    }
                    channel.flush();
                }
            } finally {
                release();
            }
        }
    }

    /** Hands datagrams to the receiver, and sends what it forwarded when a read is done. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket p = (DatagramPacket) msg;
            try {
                ByteBuf c = p.content();
                int n = c.readableBytes();
                c.getBytes(c.readerIndex(), in, 0, n);
                inBuffer.limit(n).position(0);
                reading = true;
                receiver.datagram(inBuffer, p.sender());
            } finally {
                p.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reading = false;
            endRun();
            ctx.flush();
            idle();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            receiver.failed(cause); // a send or a receive failed: the port goes on
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (batch != null) {
                batch.release();
                batch = null;
            }
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdown();
    }

    private void shutdown() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
