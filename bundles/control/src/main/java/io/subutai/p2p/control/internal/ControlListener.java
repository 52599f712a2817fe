package io.subutai.p2p.control.internal;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.subutai.p2p.api.CommandOutput;

/**
 * Serves the control protocol ({@link Frames}) on a Unix socket and, when asked, a TCP port. One
 * thread ({@code p2p-control-io}) accepts, reads whole requests and writes replies, without ever
 * blocking; only a complete, permitted request reaches one of {@link #WORKERS} workers
 * ({@code p2p-control-N}). So slow or silent clients hold no worker: each must send its whole
 * request within the request deadline, and take its reply within the reply deadline, or it is
 * dropped; and when {@link #MAX_CONNECTIONS} are open, the oldest one still sending is dropped.
 */
final class ControlListener implements AutoCloseable {

    static final int MAX_CONNECTIONS = 512;
    static final int WORKERS = 4;
    static final int QUEUE = 64;
    static final long REPLY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private enum State { HELLO, PROOF, HEADER, BODY, WORKING, REPLY, DRAIN }

    /** One client connection; touched by the io thread only, but for {@code out} set by a worker before it is queued. */
    private static final class Conn {
        final SocketChannel channel;
        final Access access; // null on TCP: the client proves the token instead
        final ByteBuffer line = ByteBuffer.allocate(Frames.MAX_LINE + 1);
        State state;
        long deadline;
        byte[] clientNonce;
        byte[] daemonNonce;
        Frames.Request request;
        ByteBuffer body;
        ByteBuffer out;
        SelectionKey key;

        Conn(SocketChannel channel, Access access, State state, long deadline) {
            this.channel = channel;
            this.access = access;
            this.state = state;
            this.deadline = deadline;
        }
    }

    // immutable
    private final ControlApi api;
    private final Callers callers;
    private final ApiToken token;
    private final long requestNanos;
    private final Consumer<String> warn;
    private final Selector selector;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final ThreadPoolExecutor workers;
    private final Thread io;
    private final SecureRandom random = new SecureRandom();

    // the io thread's own
    private final LinkedHashSet<Conn> open = new LinkedHashSet<>();
    private long lastSweep;

    // handed from workers to the io thread
    private final Queue<Conn> answered = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /**
     * @param unix         the Unix socket to serve, its file already absent; callers are checked by {@code callers}
     * @param tcp          a TCP address to serve too, or null; clients there must prove {@code token}
     * @param requestNanos how long a client may take to send its whole request
     */
    ControlListener(ControlApi api, SocketAddress unix, Callers callers, SocketAddress tcp, ApiToken token,
            long requestNanos, Consumer<String> warn) throws IOException {
        this.api = api;
        this.callers = callers;
        this.token = token;
        this.requestNanos = requestNanos;
        this.warn = warn;
        this.selector = Selector.open();
        try {
            if (unix != null) {
                listen(ServerSocketChannel.open(StandardProtocolFamily.UNIX), unix);
            }
            if (tcp != null) {
                listen(ServerSocketChannel.open(), tcp);
            }
        } catch (IOException e) {
            closeQuietly();
            throw e;
        }
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "p2p-control-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        this.io = new Thread(this::loop, "p2p-control-io");
        io.setDaemon(true);
        io.start();
    }

    private void listen(ServerSocketChannel server, SocketAddress address) throws IOException {
        servers.add(server);
        server.bind(address, 64);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    /** Where the TCP port (if any) listens: its port is chosen by the system when 0 was asked. */
    SocketAddress tcpAddress() throws IOException {
        for (ServerSocketChannel s : servers) {
            if (!(s.getLocalAddress() instanceof java.net.UnixDomainSocketAddress)) {
                return s.getLocalAddress();
            }
        }
        return null;
    }

    private void loop() {
        while (!closed) {
            try {
                selector.select(open.isEmpty() ? 0 : 100); // idle: sleep until a client (or close) wakes it
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        accept((ServerSocketChannel) k.channel());
                    } else {
                        Conn c = (Conn) k.attachment();
                        try {
                            if (k.isReadable()) {
                                read(c);
                            } else if (k.isWritable()) {
                                write(c);
                            }
                        } catch (IOException e) {
                            drop(c);
                        }
                    }
                }
                for (Conn c; (c = answered.poll()) != null; ) {
                    startReply(c);
                }
                sweep();
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                warn.accept("Control API: " + e); // one bad connection must not stop the API
            }
        }
    }

    private void accept(ServerSocketChannel server) throws IOException {
        SocketChannel ch = server.accept();
        if (ch == null) {
            return;
        }
        boolean tcp = !(server.getLocalAddress() instanceof java.net.UnixDomainSocketAddress);
        Access access;
        try {
            access = tcp ? null : callers.of(ch);
            ch.configureBlocking(false);
        } catch (IOException e) {
            ch.close();
            return;
        }
        if (open.size() >= MAX_CONNECTIONS) {
            for (Conn old : open) {
                if (old.state != State.WORKING) {
                    drop(old); // the oldest one still sending (or not taking its reply)
                    break;
                }
            }
        }
        Conn c = new Conn(ch, access, tcp ? State.HELLO : State.HEADER, System.nanoTime() + requestNanos);
        c.key = ch.register(selector, SelectionKey.OP_READ, c);
        open.add(c);
    }

    private void read(Conn c) throws IOException {
        if (c.state == State.DRAIN) {
            c.line.clear();
            if (c.channel.read(c.line) < 0) {
                drop(c);
            }
            return;
        }
        if (c.state == State.BODY) {
            if (c.channel.read(c.body) < 0) {
                drop(c);
            } else if (!c.body.hasRemaining()) {
                dispatch(c);
            }
            return;
        }
        if (c.channel.read(c.line) < 0) {
            drop(c);
            return;
        }
        int end = -1;
        for (int i = 0; i < c.line.position(); i++) {
            if (c.line.get(i) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (!c.line.hasRemaining()) {
                fail(c, 400, "Header line longer than " + Frames.MAX_LINE + " bytes");
            }
            return;
        }
        byte[] text = new byte[end];
        c.line.flip();
        c.line.get(text).get(); // and the \n
        c.line.compact();
        try {
            if (c.state == State.HELLO) {
                hello(c, Frames.parseHello(text));
            } else {
                header(c, Frames.parseRequest(text, ControlApi.MAX_BODY));
            }
        } catch (Frames.BadFrame e) {
            fail(c, 400, "Bad request: " + e.getMessage());
        }
    }

    private void hello(Conn c, byte[] clientNonce) {
        c.clientNonce = clientNonce;
        c.daemonNonce = new byte[Frames.NONCE];
        random.nextBytes(c.daemonNonce);
        c.out = ByteBuffer.wrap(Frames.proofLine(c.daemonNonce, token.daemonMac(clientNonce, c.daemonNonce)));
        c.state = State.PROOF;
        c.key.interestOps(SelectionKey.OP_WRITE);
    }

    private void header(Conn c, Frames.Request r) throws IOException {
        c.request = r;
        if (c.access == null && !token.acceptsClientMac(c.clientNonce, c.daemonNonce, r.proof())) {
            fail(c, 401, "Unauthorized: this request did not prove the daemon's API token");
            return;
        }
        Access access = c.access == null ? Access.ALL : c.access;
        if (access == Access.NONE || access == Access.READ_ONLY && !ControlApi.readOnly(r.command())) {
            fail(c, 403, access == Access.NONE ? "Permission denied: only root may use the p2p daemon's control API"
                    : "Permission denied: only root may run '" + r.command() + "'; members of the daemon's -rpc-group"
                    + " may run show, status, debug and version");
            return;
        }
        c.line.flip();
        if (c.line.remaining() > r.length()) {
            fail(c, 400, "Bad request: more bytes than the header line announced");
            return;
        }
        c.body = ByteBuffer.allocate(r.length());
        c.body.put(c.line);
        c.line.clear();
        c.state = State.BODY;
        if (!c.body.hasRemaining()) {
            dispatch(c);
        }
    }

    private void dispatch(Conn c) {
        c.state = State.WORKING;
        c.key.interestOps(0);
        String command = c.request.command();
        byte[] body = c.body.array();
        try {
            workers.execute(() -> {
                ControlApi.Reply r;
                try {
                    r = api.handle(command, body);
                } catch (RuntimeException | LinkageError e) {
                    r = new ControlApi.Reply(500, CommandOutput.error(1, "Internal error in " + command + ": " + e + "\n"));
                }
                c.out = frame(r.status(), r.output());
                answered.add(c);
                selector.wakeup();
            });
        } catch (RejectedExecutionException e) {
            c.out = frame(503, CommandOutput.error(1, "The p2p daemon is busy (" + (WORKERS + QUEUE)
                    + " requests under way); try again\n"));
            startReply(c);
        }
    }

    private void fail(Conn c, int status, String message) {
        c.out = frame(status, CommandOutput.error(1, message + "\n"));
        startReply(c);
    }

    private ByteBuffer frame(int status, CommandOutput output) {
        byte[] json = api.encode(output);
        byte[] head = Frames.reply(status, json.length);
        return ByteBuffer.allocate(head.length + json.length).put(head).put(json).flip();
    }

    private void startReply(Conn c) {
        if (!c.channel.isOpen()) {
            return;
        }
        c.state = State.REPLY;
        c.deadline = System.nanoTime() + REPLY_NANOS;
        c.key.interestOps(SelectionKey.OP_WRITE);
    }

    private void write(Conn c) throws IOException {
        c.channel.write(c.out);
        if (c.out.hasRemaining()) {
            return;
        }
        if (c.state == State.PROOF) {
            c.state = State.HEADER;
            c.key.interestOps(SelectionKey.OP_READ);
        } else if (c.request == null || c.body == null || c.body.hasRemaining()) {
            // refused before its request was read: closing now could reset the connection and
            // lose the reply, so end our side and drop what the client still sends
            c.channel.shutdownOutput();
            c.state = State.DRAIN;
            c.key.interestOps(SelectionKey.OP_READ);
        } else {
            drop(c); // one request per connection
        }
    }

    /** Drops connections past their deadline (at most every 50 ms; they are few and the scan is cheap). */
    private void sweep() {
        long now = System.nanoTime();
        if (now - lastSweep < 50_000_000L) {
            return;
        }
        lastSweep = now;
        for (Iterator<Conn> it = open.iterator(); it.hasNext(); ) {
            Conn c = it.next();
            if (c.state != State.WORKING && now - c.deadline > 0) {
                it.remove();
                closeChannel(c);
            }
        }
    }

    private void drop(Conn c) {
        open.remove(c);
        closeChannel(c);
    }

    private static void closeChannel(Conn c) {
        try {
            c.channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            io.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
                warn.accept("Control API threads did not stop within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly();
    }

    private void closeQuietly() {
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Conn c : open) {
            closeChannel(c);
        }
        open.clear();
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
