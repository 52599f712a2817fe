package io.subutai.p2p.tap.linux.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.jna.LastErrorException;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;

/**
 * An open {@code /dev/net/tun} TAP device. The descriptor is non-blocking: {@link #readNow} takes
 * every frame that is ready (one system call each, no allocation, no exception on the empty
 * queue); {@link #awaitFrames} sleeps in {@code poll} until one is, watching an eventfd as well so
 * that {@link #close} wakes it, and poll's events tell a failed device from an empty one; {@link
 * #read} is the two in turn. Reading, waiting and writing each have their own lock, so a thread may
 * read what is ready while another sleeps and a third writes; close and release wait for all of
 * them to leave before the descriptor is released, so a number the kernel reuses is never touched.
 *
 * <p>The interface is persistent ({@code TUNSETPERSIST}): it outlives the descriptor, so a daemon
 * that dies leaves it, and {@link #release} hands it over as it is. {@link #close} clears that
 * first, and the interface goes with the descriptor.
 *
 * <p>An end of a {@linkplain #loopback loopback pair} is the same device on one of two connected
 * {@code AF_UNIX} sequenced-packet sockets instead: a write is one record, a read takes one, poll
 * waits the same way, and there is no interface, so no address and nothing persistent.
 */
final class LinuxTap implements PollableTapDevice {

    // immutable
    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private final int fd;
    private final int wakeFd;
    private final boolean vnet;
    /** Null for a loopback end: no interface to configure. */
    private final IpTool ip;

    /** The virtio-net header's size, as the driver sets it. */
    static final byte VNET_HEADER = (byte) OFFLOAD_HEADER;

    // reading (guarded by readLock), and waiting for frames (guarded by pollLock), apart, so that
    // one thread may read what is ready while another sleeps in poll
    private final Object readLock = new Object();
    private final Object pollLock = new Object();
    private final ByteBuffer pollFds = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());

    // owned by the writer (guarded by writeLock)
    private final Object writeLock = new Object();

    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private volatile long dropped;

    LinuxTap(String name, MacAddress mac, int mtu, int fd, int wakeFd, boolean vnet, IpTool ip) {
        this.vnet = vnet;
        this.ip = ip;
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.fd = fd;
        this.wakeFd = wakeFd;
        pollFds.putInt(0, fd).putShort(4, LibC.POLLIN).putInt(8, wakeFd).putShort(12, LibC.POLLIN);
    }

    /**
     * Two devices joined back to back (see {@link io.subutai.p2p.spi.TapDriver#openLoopback}).
     *
     * @param vnet whether both ends' frames start with the virtio-net header, as the driver's TAPs do
     */
    static List<PollableTapDevice> loopback(MacAddress first, MacAddress second, int mtu,
            boolean vnet) throws LastErrorException {
        int[] fds = new int[2];
        LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_NONBLOCK | LibC.O_CLOEXEC, 0, fds);
        int[] wake = {-1, -1};
        try {
            wake[0] = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            wake[1] = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        } catch (LastErrorException e) {
            for (int fd : new int[] {fds[0], fds[1], wake[0], wake[1]}) {
                if (fd >= 0) {
                    LibC.close(fd);
                }
            }
            throw e;
        }
        return List.of(new LinuxTap("loopback-0", first, mtu, fds[0], wake[0], vnet, null),
                new LinuxTap("loopback-1", second, mtu, fds[1], wake[1], vnet, null));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MacAddress mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public void assignAddress(io.subutai.p2p.api.Ipv4Cidr address) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (ip == null) {
            throw new IOException(name + " is one end of a loopback pair: it has no interface to give an address");
        }
        ip.run("-4", "addr", "flush", "dev", name); // its IPv4 addresses: the IPv6 link-local one stays
        ip.run("addr", "add", address.toString(), "dev", name);
    }

    @Override
    public boolean offload() {
        return vnet;
    }

    /** Frames lost: the kernel did not take them, or they did not fit the reader's buffer. */
    long dropped() {
        return dropped;
    }

    @Override
    public int readNow(FrameBatch batch) throws IOException {
        synchronized (readLock) {
            batch.clear();
            if (closed) {
                throw new ClosedChannelException();
            }
            while (!batch.isFull()) {
                ByteBuffer b = batch.claim();
                long n = LibC.read(fd, b, b.capacity());
                if (n <= 0) {
                    break; // EAGAIN, or an error that poll's revents will tell; 0: a loopback end's peer closed
                }
                if (n >= b.capacity()) {
                    dropped++; // filled the buffer: maybe cut short, never passed on as whole
                    continue;
                }
                b.position((int) n);
                batch.commit();
            }
            return batch.count();
        }
    }

    @Override
    public int descriptor() {
        return closed ? -1 : fd;
    }

    /** Sleeps until the device has a frame, fails, or {@link #close} wakes it. */
    @Override
    public void awaitFrames() throws IOException {
        synchronized (pollLock) {
            if (closed) {
                throw new ClosedChannelException();
            }
            pollFds.putShort(6, (short) 0).putShort(14, (short) 0);
            if (LibC.poll(pollFds, 2, -1) < 0) {
                return; // EINTR: the caller reads nothing and waits again
            }
            short revents = pollFds.getShort(6);
            if (closed) {
                throw new ClosedChannelException();
            }
            if ((revents & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
                throw new IOException("TAP " + name + ": the device failed (poll events 0x" + Integer.toHexString(revents)
                        + "); was the interface removed?");
            }
        }
    }

    @Override
    public void write(FrameBatch batch) throws IOException {
        synchronized (writeLock) {
            if (closed) {
                throw new ClosedChannelException();
            }
            for (int i = 0; i < batch.count(); i++) {
                ByteBuffer b = batch.frame(i);
                if (b.position() != 0) {
                    b = b.slice(); // native calls take a buffer from its start
                }
                if (LibC.write(fd, b, b.limit()) < 0) {
                    dropped++; // the kernel's queue is full, as a NIC would drop
                }
            }
        }
    }

    /** Stops the device and removes the interface. */
    @Override
    public void close() throws IOException {
        stop(true);
    }

    /** Stops the device and leaves the interface, persistent and as it is, for a driver to adopt. */
    @Override
    public void release() throws IOException {
        stop(false);
    }

    /**
     * Wakes a reader sleeping in poll, waits for reading, waiting and writing to leave, and
     * releases the descriptors, once. The interface is persistent, so it outlives its descriptor
     * unless {@code remove} clears that first; then it goes with the descriptor, as a
     * non-persistent TAP does.
     */
    private void stop(boolean remove) throws IOException {
        if (!closing.compareAndSet(false, true)) {
            return; // closed or released, or being so, by another thread: the descriptors are released once
        }
        closed = true;
        ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
        LibC.write(wakeFd, one, 8); // wakes a reader sleeping in poll
        synchronized (pollLock) { // the sleeper woke (eventfd) and left poll
            synchronized (readLock) {
                synchronized (writeLock) {
                    String failed = null;
                    try {
                        if (remove && ip != null) { // a loopback end has no interface
                            LibC.ioctl(fd, LibC.TUNSETPERSIST, 0);
                        }
                    } catch (LastErrorException e) {
                        if (e.getErrorCode() != LibC.EBADFD) { // EBADFD: the interface was deleted already
                            failed = "cannot remove the interface: " + e.getMessage();
                        }
                    }
                    try {
                        LibC.close(fd);
                    } catch (LastErrorException e) {
                        failed = "close failed: " + e.getMessage();
                    } finally {
                        try {
                            LibC.close(wakeFd);
                        } catch (LastErrorException ignored) {
                            // nothing more to release
                        }
                    }
                    if (failed != null) {
                        throw new IOException("TAP " + name + ": " + failed);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TAP " + name + " " + mac + " mtu " + mtu;
    }
}
