package io.subutai.p2p.servers.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import io.subutai.p2p.wire.stream.StreamFraming;

/**
 * A stream client as the tests play one, on plain JDK sockets, written from the protocol's text
 * rather than from the server's code: TLS (trusting any certificate, whose SHA-256 it keeps, as a
 * member that pins it would), a WebSocket upgrade and masked frames by hand, or the plain preamble
 * and length-prefixed frames.
 */
final class StreamClient implements AutoCloseable {

    enum Mode {
        TLS_WEBSOCKET(true, true), TLS_PLAIN(true, false), WEBSOCKET(false, true), PLAIN(false, false);

        final boolean tls;
        final boolean webSocket;

        Mode(boolean tls, boolean webSocket) {
            this.tls = tls;
            this.webSocket = webSocket;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    final Socket socket;
    final Mode mode;
    /** The SHA-256 of the certificate the server showed (TLS only). */
    byte[] certificate;
    private final DataInputStream in;
    private final OutputStream out;

    private StreamClient(Socket socket, Mode mode) throws IOException {
        this.socket = socket;
        this.mode = mode;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** A raw TCP connection to {@code server}, from {@code from} (null: any loopback port). */
    static Socket raw(InetSocketAddress server, InetSocketAddress from) throws IOException {
        Socket s = new Socket();
        if (from != null) {
            s.bind(from);
        }
        s.connect(server, 3000);
        s.setSoTimeout(3000);
        return s;
    }

    /** Connected to {@code server} in {@code mode}, ready to send datagrams (upgraded, or the preamble sent). */
    static StreamClient connect(InetSocketAddress server, Mode mode, String path) throws IOException {
        Socket s = raw(server, null);
        try {
            byte[] certificate = null;
            if (mode.tls) {
                SSLSocket tls = (SSLSocket) trustingAnyone().getSocketFactory()
                        .createSocket(s, server.getHostString(), server.getPort(), true);
                tls.startHandshake();
                X509Certificate leaf = (X509Certificate) tls.getSession().getPeerCertificates()[0];
                certificate = MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded());
                s = tls;
            }
            StreamClient c = new StreamClient(s, mode);
            c.certificate = certificate;
            if (mode.webSocket) {
                c.upgrade(server, path);
            } else {
                c.out.write(StreamFraming.PREAMBLE);
                c.out.flush();
            }
            return c;
        } catch (IOException e) {
            s.close();
            throw e;
        } catch (java.security.GeneralSecurityException e) {
            s.close();
            throw new IOException(e);
        }
    }

    static SSLContext trustingAnyone() throws java.security.GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        } }, RANDOM);
        return ctx;
    }

    private void upgrade(InetSocketAddress server, String path) throws IOException {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: p2p\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = head();
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("not upgraded: " + head);
        }
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        if (!lower.contains("sec-websocket-accept: " + accept.toLowerCase(java.util.Locale.ROOT))
                || !lower.contains("sec-websocket-protocol: p2p")) {
            throw new IOException("a wrong upgrade: " + head);
        }
    }

    /** An HTTP response's head (status line and headers), read up to the empty line. */
    String head() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed during the head: " + b);
            }
            b.write(c);
            String s = b.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
    }

    /** Sends one datagram: a masked binary message, or a length-prefixed frame. */
    void send(byte[] datagram) throws IOException {
        out.write(frame(datagram));
        out.flush();
    }

    /** One datagram as this client puts it on the wire. */
    byte[] frame(byte[] datagram) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (!mode.webSocket) {
            b.write(datagram.length >> 8);
            b.write(datagram.length);
            b.writeBytes(datagram);
            return b.toByteArray();
        }
        return webSocketFrame(2, datagram);
    }

    /** A masked WebSocket frame with {@code opcode} (FIN set), as a client must send it. */
    static byte[] webSocketFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80 | opcode);
        int n = payload.length;
        if (n < 126) {
            b.write(0x80 | n);
        } else {
            b.write(0x80 | 126);
            b.write(n >> 8);
            b.write(n);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        b.writeBytes(mask);
        for (int i = 0; i < n; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    /** Writes {@code bytes} as they are. */
    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next datagram from the server; null when the server closed the stream. */
    byte[] receive() throws IOException {
        try {
            while (true) {
                if (!mode.webSocket) {
                    int n = in.readUnsignedShort();
                    if (n == 0) {
                        continue; // keepalive
                    }
                    byte[] d = new byte[n];
                    in.readFully(d);
                    return d;
                }
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long n = b1 & 0x7f;
                if (n == 126) {
                    n = in.readUnsignedShort();
                } else if (n == 127) {
                    n = in.readLong();
                }
                byte[] payload = new byte[(int) n];
                in.readFully(payload);
                int opcode = b0 & 0x0f;
                if (opcode == 2) {
                    return payload;
                }
                if (opcode == 8) {
                    return null;
                }
            }
        } catch (EOFException | SocketException e) {
            return null;
        }
    }

    /** Whether the server closes the connection within {@code millis} (anything it sends first is skipped). */
    boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            InputStream s = socket.getInputStream();
            byte[] skip = new byte[4096];
            while (s.read(skip) >= 0) {
                // what it said before closing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
