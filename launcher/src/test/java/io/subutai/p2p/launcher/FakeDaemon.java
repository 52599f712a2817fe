package io.subutai.p2p.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A daemon's control socket for client tests: answers every request on
 * {@code <state>/control/rpc-<port>.sock} with one reply, and records each as
 * {@code "command body"}. It runs as the test (root), so the client's check of who serves it passes.
 */
final class FakeDaemon implements AutoCloseable {

    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final ServerSocketChannel server;
    private final Thread thread;

    /** Replies {@code P2PCTL/1 <status> <len>} and {@code reply}; {@code rawReply} non-null replaces the whole answer. */
    FakeDaemon(Path state, int port, int status, String reply) throws IOException {
        Path socket = Client.socket(state, port);
        Files.createDirectories(socket.getParent());
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(() -> serve(status, reply), "p2pt-fake-daemon");
        thread.start();
    }

    private void serve(int status, String reply) {
        while (true) {
            try (SocketChannel c = server.accept()) {
                String head = line(c);
                String[] f = head.split(" ");
                ByteBuffer body = ByteBuffer.allocate(Integer.parseInt(f[2]));
                while (body.hasRemaining() && c.read(body) >= 0) {
                    // the announced length
                }
                requests.add(f[1] + " " + new String(body.array(), StandardCharsets.UTF_8));
                byte[] r = reply.getBytes(StandardCharsets.UTF_8);
                c.write(ByteBuffer.wrap(("P2PCTL/1 " + status + " " + r.length + "\n").getBytes(StandardCharsets.US_ASCII)));
                c.write(ByteBuffer.wrap(r));
            } catch (IOException | RuntimeException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    static String line(SocketChannel c) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("end of stream");
            }
            if (one.get(0) == '\n') {
                return b.toString(StandardCharsets.US_ASCII);
            }
            b.write(one.get(0));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        thread.join(2000);
    }
}
