package io.subutai.p2p.tap.linux.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;

import com.sun.jna.LastErrorException;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.TapDevice;

/**
 * An open {@code /dev/net/tun} TAP device. The descriptor is non-blocking: {@link #read} takes
 * every frame that is ready (one system call each, no allocation) and sleeps in {@code poll} only
 * when none is, watching an eventfd as well so that {@link #close} wakes it. One reader and one
 * writer may work at once; close waits for both to leave before the descriptor is released, so
 * a number the kernel reuses is never touched.
 */
final class LinuxTap implements TapDevice {

    // immutable
    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private final int fd;
    private final int wakeFd;

    // owned by the reader (guarded by readLock)
    private final Object readLock = new Object();
    private final ByteBuffer pollFds = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());

    // owned by the writer (guarded by writeLock)
    private final Object writeLock = new Object();

    private volatile boolean closed;
    private volatile long dropped;

    LinuxTap(String name, MacAddress mac, int mtu, int fd, int wakeFd) {
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.fd = fd;
        this.wakeFd = wakeFd;
        pollFds.putInt(0, fd).putShort(4, LibC.POLLIN).putInt(8, wakeFd).putShort(12, LibC.POLLIN);
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

    /** Frames the kernel did not take (its queue was full). */
    long dropped() {
        return dropped;
    }

    @Override
    public int read(FrameBatch batch) throws IOException {
        synchronized (readLock) {
            batch.clear();
            while (true) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                while (!batch.isFull()) {
                    ByteBuffer b = batch.claim();
                    long n;
                    try {
                        n = LibC.read(fd, b, b.capacity());
                    } catch (LastErrorException e) {
                        if (e.getErrorCode() == LibC.EAGAIN) {
                            break;
                        }
                        if (e.getErrorCode() == LibC.EINTR) {
                            continue;
                        }
                        throw failure("read from", e);
                    }
                    b.position((int) n);
                    batch.commit();
                }
                if (!batch.isEmpty()) {
                    return batch.count();
                }
                awaitReadable();
            }
        }
    }

    private void awaitReadable() throws IOException {
        pollFds.putShort(6, (short) 0).putShort(14, (short) 0);
        try {
            LibC.poll(pollFds, 2, -1);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != LibC.EINTR) {
                throw failure("wait on", e);
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
                try {
                    LibC.write(fd, b, b.limit());
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EAGAIN) {
                        dropped++;
                        continue;
                    }
                    throw failure("write to", e);
                }
            }
        }
    }

    private IOException failure(String what, LastErrorException e) {
        return closed ? new ClosedChannelException() : new IOException("TAP " + name + ": cannot " + what + " the device: "
                + e.getMessage());
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
        try {
            LibC.write(wakeFd, one, 8);
        } catch (LastErrorException e) {
            // the reader still notices `closed` on its next wake-up
        }
        synchronized (readLock) {
            synchronized (writeLock) {
                try {
                    LibC.close(fd); // a non-persistent TAP interface disappears with its last descriptor
                } catch (LastErrorException e) {
                    throw new IOException("TAP " + name + ": close failed: " + e.getMessage());
                } finally {
                    try {
                        LibC.close(wakeFd);
                    } catch (LastErrorException ignored) {
                        // nothing more to release
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
