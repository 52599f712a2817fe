package io.subutai.p2p.servers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A server's UDP socket and the one thread that serves it: what {@link DatagramServer} receives
 * from and sends by. Two kinds: {@link PlainUdpPort} (the JDK's socket, a datagram per system call)
 * and {@link BatchUdpPort} (Netty's epoll: many datagrams per call, and runs of them as one with
 * UDP GRO and GSO), which the relay uses where it can.
 */
interface UdpPort extends AutoCloseable {

    /** Where the port's datagrams go: called on the port's thread. */
    interface Receiver {
        /** A datagram (position to limit) from {@code from}, valid during the call only: the receiver may rewrite it. */
        void datagram(ByteBuffer datagram, InetSocketAddress from);

        /** Now and then, and at least twice a second: time to look at the clock. */
        void idle();

        /** Something failed that the port survives: a send, or a receive. */
        void failed(Throwable e);
    }

    /** Where it is bound. */
    InetSocketAddress address();

    /** Starts handing datagrams to the receiver, on the port's thread; nothing is handed over before. */
    void start();

    /** Sends {@code length} bytes of {@code data} to {@code to}, from any thread; the array is the caller's again on return. */
    void send(byte[] data, int length, InetSocketAddress to) throws IOException;

    /**
     * Sends {@code datagram} (position to limit) to {@code to}: what the receiver passes on while it
     * handles a datagram. The port may hold it until the receiver has had the datagrams that came
     * with it, and send it together with others to the same address, in order. The buffer is the
     * caller's again on return.
     */
    void forward(ByteBuffer datagram, InetSocketAddress to) throws IOException;

    /** Stops the thread and frees the port; nothing reaches the receiver after this returns. */
    @Override
    void close();
}
