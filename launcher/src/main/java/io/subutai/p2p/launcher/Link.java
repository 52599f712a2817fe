package io.subutai.p2p.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One connection to the daemon's control API, read and written without blocking past a
 * deadline: the lines and frames of the control protocol (docs/control-api.md).
 */
final class Link implements AutoCloseable {

    static final String MAGIC = io.subutai.p2p.wire.control.ControlProtocol.MAGIC;
    static final int MAX_LINE = io.subutai.p2p.wire.control.ControlProtocol.MAX_LINE;

    private final SocketChannel channel;
    private final Selector selector;

    /** Takes over a connected channel. */
    Link(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
    }

    SocketChannel channel() {
        return channel;
    }

    /** Writes all of {@code bytes} by {@code deadline} (System.nanoTime; 0: no deadline). */
    void write(byte[] bytes, long deadline) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            if (channel.write(b) == 0) {
                await(SelectionKey.OP_WRITE, deadline);
            }
        }
    }

    /** Reads one line (without its {@code \n}) of at most {@link #MAX_LINE} bytes. */
    byte[] readLine(long deadline) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            int n = channel.read(one);
            if (n < 0) {
                throw new IOException("the connection ended before a whole line");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadline);
                continue;
            }
            if (one.get(0) == '\n') {
                return line.toByteArray();
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("a line longer than " + MAX_LINE + " bytes");
            }
            line.write(one.get(0));
        }
    }

    /** Reads exactly {@code length} bytes. */
    byte[] read(int length, long deadline) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int n = channel.read(b);
            if (n < 0) {
                throw new IOException("the connection ended " + b.remaining() + " bytes before the announced end");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadline);
            }
        }
        return b.array();
    }

    /** Splits a line of the protocol into its fields; fails unless it starts with the magic and has {@code count} fields. */
    static String[] fields(byte[] line, int count) throws IOException {
        for (byte c : line) {
            if (c < 0x20 || c > 0x7e) {
                throw new IOException("not a line of the p2p control protocol");
            }
        }
        String[] f = new String(line, StandardCharsets.US_ASCII).split(" ", -1);
        if (f.length != count || !f[0].equals(MAGIC)) {
            throw new IOException("not a line of the p2p control protocol");
        }
        return f;
    }

    private void await(int op, long deadline) throws IOException {
        long wait = 0;
        if (deadline != 0) {
            wait = (deadline - System.nanoTime()) / 1_000_000;
            if (wait <= 0) {
                throw new SocketTimeoutException("no answer in time");
            }
        }
        SelectionKey k = channel.register(selector, op);
        try {
            selector.select(wait);
        } finally {
            k.interestOps(0);
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
