package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A {@link UdpPort} on the JDK's {@code DatagramSocket}: one thread receives a datagram per call
 * (waking at least every 500 ms to let the receiver look at the clock) and every datagram leaves
 * in a call of its own, at once. What the bootstrap server uses, and the relay where Netty's epoll
 * transport is not there.
 */
final class PlainUdpPort implements UdpPort {

    // immutable
    private final DatagramSocket socket;
    private final InetSocketAddress address;
    private final byte[] in;
    private final Thread thread;
    private final Receiver receiver;
    private volatile boolean closed;

    /** Binds {@code listen}, taking datagrams of up to {@code largest} bytes; {@link #start} starts the thread {@code name}. */
    PlainUdpPort(InetSocketAddress listen, int largest, String name, Receiver receiver) throws IOException {
        DatagramSocket s = new DatagramSocket(null);
        try {
            s.setReceiveBufferSize(4 << 20);
            s.setSendBufferSize(4 << 20);
            s.bind(listen);
            s.setSoTimeout(500);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        this.socket = s;
        this.address = (InetSocketAddress) s.getLocalSocketAddress();
        this.in = new byte[largest];
        this.receiver = receiver;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void start() {
        thread.start();
    }

    @Override
    public void send(byte[] data, int length, InetSocketAddress to) throws IOException {
        socket.send(new DatagramPacket(data, length, to));
    }

    @Override
    public void forward(ByteBuffer datagram, InetSocketAddress to) throws IOException {
        if (datagram.hasArray()) {
            socket.send(new DatagramPacket(datagram.array(), datagram.arrayOffset() + datagram.position(),
                    datagram.remaining(), to));
            return;
        }
        byte[] copy = new byte[datagram.remaining()];
        datagram.duplicate().get(copy);
        send(copy, copy.length, to);
    }

    private void run() {
        DatagramPacket packet = new DatagramPacket(in, in.length);
        while (!closed) {
            try {
                packet.setLength(in.length);
                socket.receive(packet);
                receiver.datagram(ByteBuffer.wrap(in, 0, packet.getLength()), (InetSocketAddress) packet.getSocketAddress());
            } catch (SocketTimeoutException e) {
                // time to look at the clock
            } catch (IOException | RuntimeException | Error e) {
                if (closed) {
                    return;
                }
                receiver.failed(e);
            }
            try {
                receiver.idle();
            } catch (RuntimeException | Error e) {
                receiver.failed(e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        if (thread.isAlive()) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
