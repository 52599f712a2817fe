package io.subutai.p2p.transport.tcp.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Proxies on loopback for the tests, written out by hand on blocking sockets: an HTTP CONNECT
 * proxy and a SOCKS5 one (RFC 1928, with the username/password method of RFC 1929), each asking
 * for {@code user:password} when given one. They note the destinations asked for, and refusals.
 */
final class TestProxies {

    private TestProxies() {
    }

    /** A proxy: accepts on a thread of its own, and pumps bytes both ways on two more per connection. */
    abstract static class Proxy implements AutoCloseable {
        final ServerSocket socket;
        final String user;
        final String password;
        final List<String> destinations = new CopyOnWriteArrayList<>();
        final List<String> refusals = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        Proxy(String user, String password) throws IOException {
            this.user = user;
            this.password = password;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "test-proxy-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    open.add(s);
                    Thread t = new Thread(() -> serve(s), "test-proxy");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket client) {
            try {
                Socket server = handshake(client, client.getInputStream(), client.getOutputStream());
                if (server == null) {
                    client.close();
                    return;
                }
                open.add(server);
                Thread up = new Thread(() -> pump(client, server), "test-proxy-pump");
                up.setDaemon(true);
                up.start();
                pump(server, client);
            } catch (IOException e) {
                close(client);
            }
        }

        /** Reads the client's request, answers it, and connects; null when refused. */
        abstract Socket handshake(Socket client, InputStream in, OutputStream out) throws IOException;

        private static void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // either side went
            }
            close(from);
            close(to);
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : open) {
                close(s);
            }
        }
    }

    /** HTTP CONNECT, with Basic authentication when it has a user. */
    static final class Http extends Proxy {
        Http(String user, String password) throws IOException {
            super(user, password);
        }

        @Override
        Socket handshake(Socket client, InputStream in, OutputStream out) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            String[] request = lines[0].split(" ");
            if (!request[0].equals("CONNECT")) {
                out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                return null;
            }
            if (user != null) {
                String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
                boolean ok = false;
                for (String l : lines) {
                    ok |= l.toLowerCase().startsWith("proxy-authorization:") && l.substring(20).strip().equals(expected);
                }
                if (!ok) {
                    refusals.add(request[1]);
                    out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                            + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    return null;
                }
            }
            destinations.add(request[1]);
            int colon = request[1].lastIndexOf(':');
            String host = request[1].substring(0, colon).replace("[", "").replace("]", "");
            Socket server = new Socket(host, Integer.parseInt(request[1].substring(colon + 1)));
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return server;
        }
    }

    /** SOCKS5, with username and password when it has a user. */
    static final class Socks5 extends Proxy {
        Socks5(String user, String password) throws IOException {
            super(user, password);
        }

        @Override
        Socket handshake(Socket client, InputStream input, OutputStream out) throws IOException {
            DataInputStream in = new DataInputStream(input);
            if (in.readUnsignedByte() != 5) {
                return null;
            }
            byte[] methods = new byte[in.readUnsignedByte()];
            in.readFully(methods);
            int wanted = user == null ? 0 : 2;
            boolean offered = false;
            for (byte m : methods) {
                offered |= m == wanted;
            }
            if (!offered) {
                refusals.add("method");
                out.write(new byte[] {5, (byte) 0xff});
                return null;
            }
            out.write(new byte[] {5, (byte) wanted});
            if (user != null) {
                in.readUnsignedByte(); // the sub-negotiation's version, 1
                byte[] u = new byte[in.readUnsignedByte()];
                in.readFully(u);
                byte[] p = new byte[in.readUnsignedByte()];
                in.readFully(p);
                boolean ok = new String(u, StandardCharsets.UTF_8).equals(user) && new String(p, StandardCharsets.UTF_8).equals(password);
                out.write(new byte[] {1, (byte) (ok ? 0 : 1)});
                if (!ok) {
                    refusals.add("credentials");
                    return null;
                }
            }
            byte[] head = new byte[4]; // version, command (1: CONNECT), reserved, address type
            in.readFully(head);
            String host;
            if (head[3] == 1) {
                byte[] a = new byte[4];
                in.readFully(a);
                host = InetAddress.getByAddress(a).getHostAddress();
            } else if (head[3] == 3) {
                byte[] name = new byte[in.readUnsignedByte()];
                in.readFully(name);
                host = new String(name, StandardCharsets.US_ASCII);
            } else {
                byte[] a = new byte[16];
                in.readFully(a);
                host = InetAddress.getByAddress(a).getHostAddress();
            }
            int port = in.readUnsignedShort();
            destinations.add(host + ":" + port);
            Socket server = new Socket();
            server.connect(new InetSocketAddress(host, port));
            out.write(new byte[] {5, 0, 0, 1, 0, 0, 0, 0, 0, 0});
            out.flush();
            return server;
        }
    }
}
