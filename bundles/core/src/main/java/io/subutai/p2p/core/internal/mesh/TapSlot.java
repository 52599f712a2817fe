package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.TapDevice;

/**
 * A network's TAP as the mesh sees it: the device of whichever driver holds the interface now.
 * When the driver goes (its bundle is updated or replaced), the device is {@linkplain #release
 * released} and the kernel interface stays as it is; the TAP thread then waits here, frames to
 * write are dropped (and counted), until the next driver's device of the same interface is
 * {@linkplain #attach attached}. Peers, sessions and the socket never notice.
 *
 * <p>Threads: the TAP thread reads and waits, the receive thread writes and reads what is ready,
 * the engine's thread releases and attaches. A swap never happens under a read or write of the
 * device that is swapped: the device itself waits for them to leave before it lets go.
 */
public final class TapSlot implements PollableTapDevice {

    // immutable: what the interface is, whoever holds it
    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private final boolean offload;

    private final Object lock = new Object();
    // guarded by lock; the device is also read without it (volatile)
    private volatile PollableTapDevice device;
    private Ipv4Cidr address;
    private String waiting = "";
    private long releasedAt; // nanoTime of the last release, while detached
    private volatile boolean closed;
    private volatile Runnable released = () -> { };
    private boolean orphaned;
    private final AtomicLong droppedWhileDetached = new AtomicLong();

    /**
     * @param device  the device the interface was opened with
     * @param address the address it was given (null: none yet)
     * @throws IOException when the device cannot wait apart from reading (it could not be swapped)
     */
    public TapSlot(TapDevice device, Ipv4Cidr address) throws IOException {
        this.device = pollable(device);
        this.name = device.name();
        this.mac = device.mac();
        this.mtu = device.mtu();
        this.offload = device.offload();
        this.address = address;
    }

    private static PollableTapDevice pollable(TapDevice d) throws IOException {
        if (d instanceof PollableTapDevice p) {
            return p;
        }
        throw new IOException("the TAP driver's device " + d.name() + " cannot wait for frames apart from reading them "
                + "(it does not implement PollableTapDevice), which p2p needs");
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
    public boolean offload() {
        return offload;
    }

    /** The address the interface has (null: none), which the next driver's device is opened with. */
    public Ipv4Cidr address() {
        synchronized (lock) {
            return address;
        }
    }

    /** Whether a device holds the interface now. */
    public boolean attached() {
        return device != null;
    }

    /** Whether the slot was closed (its network stopped). */
    public boolean closed() {
        return closed;
    }

    /** Why no device holds the interface (empty while one does). */
    public String waiting() {
        synchronized (lock) {
            return device != null ? "" : waiting;
        }
    }

    /** Frames the peers sent that could not be written while no device held the interface. */
    public long droppedWhileDetached() {
        return droppedWhileDetached.get();
    }

    /**
     * Hands the interface over: the device in use stops (the TAP thread waits here for the next),
     * the kernel interface stays.
     *
     * @param why what the network waits for now, shown in {@code status} and {@code debug}
     * @return false when no device held it (released before, or closed)
     */
    public boolean release(String why, long nowNanos) throws IOException {
        PollableTapDevice d;
        synchronized (lock) {
            d = device;
            waiting = why;
            if (d == null || closed) {
                return false;
            }
            device = null;
            releasedAt = nowNanos;
        }
        released.run(); // before the device lets its descriptor go
        d.release(); // wakes the TAP thread, which comes back here and waits
        return true;
    }

    /**
     * Runs {@code r} each time the device in use is released or closed: whoever watches its
     * {@link #descriptor} for the TAP thread gives it back (the next device has another).
     */
    void onRelease(Runnable r) {
        released = r;
    }

    /** Says why the interface still waits (a takeover that failed). */
    public void stillWaiting(String why) {
        synchronized (lock) {
            waiting = why;
        }
    }

    /**
     * A device of the next driver takes the interface over; the TAP thread goes on with it.
     *
     * @return how long the interface was not held, in nanoseconds
     * @throws IOException when the device does not fit (it cannot wait apart from reading, or its
     *                     frames carry a different header); the caller closes it then
     */
    public long attach(TapDevice next, long nowNanos) throws IOException {
        return attach(next, nowNanos, address());
    }

    /**
     * Like {@link #attach(TapDevice, long)} for a device opened with {@code openedWith}: an
     * address given meanwhile ({@link #assignAddress}) is set on it.
     */
    public long attach(TapDevice next, long nowNanos, Ipv4Cidr openedWith) throws IOException {
        PollableTapDevice p = pollable(next);
        if (next.offload() != offload) {
            throw new IOException("the new device of " + name + " " + (next.offload() ? "adds" : "lacks")
                    + " the offload header the old one had");
        }
        synchronized (lock) {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (device != null) {
                throw new IOException(name + " is held by a device already");
            }
            if (address != null && !address.equals(openedWith)) {
                p.assignAddress(address); // given while no device held the interface
            }
            device = p;
            waiting = "";
            lock.notifyAll();
            return nowNanos - releasedAt;
        }
    }

    @Override
    public int readNow(FrameBatch batch) throws IOException {
        PollableTapDevice d = device;
        if (d == null) {
            if (closed) {
                throw new ClosedChannelException();
            }
            batch.clear();
            return 0;
        }
        try {
            return d.readNow(batch);
        } catch (IOException e) {
            if (d != device && !closed) {
                batch.clear();
                return 0; // released meanwhile: the next device has the frames
            }
            throw e;
        }
    }

    @Override
    public int descriptor() {
        PollableTapDevice d = device;
        return d == null ? -1 : d.descriptor();
    }

    @Override
    public void awaitFrames() throws IOException {
        while (true) {
            PollableTapDevice d = device;
            if (d == null) {
                synchronized (lock) {
                    while (device == null && !closed) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new ClosedChannelException();
                        }
                    }
                    if (closed) {
                        throw new ClosedChannelException();
                    }
                }
                return; // a device came: read what it has
            }
            try {
                d.awaitFrames();
                return;
            } catch (IOException e) {
                if (d == device || closed) {
                    throw e;
                }
                // released while waiting: wait for the next device
            }
        }
    }

    @Override
    public void write(FrameBatch batch) throws IOException {
        PollableTapDevice d = device;
        if (d == null) {
            droppedWhileDetached.addAndGet(batch.count());
            return;
        }
        try {
            d.write(batch);
        } catch (IOException e) {
            if (d == device) {
                throw e;
            }
            droppedWhileDetached.addAndGet(batch.count()); // released during the write
        }
    }

    @Override
    public void assignAddress(Ipv4Cidr next) throws IOException {
        PollableTapDevice d;
        synchronized (lock) {
            address = next;
            d = device;
        }
        if (d == null) {
            return; // the next device is opened with it
        }
        try {
            d.assignAddress(next);
        } catch (IOException e) {
            if (d == device) {
                throw e;
            } // released meanwhile: the next device is opened with it
        }
    }

    /**
     * Gives the interface {@code next} in place of {@code now} ({@code set -ip}); when it refuses
     * it, {@code now} (if any) is put back, and the exception says what failed.
     */
    public void readdress(Ipv4Cidr next, Ipv4Cidr now) throws IOException {
        try {
            assignAddress(next);
        } catch (IOException | RuntimeException e) {
            String back = "";
            try {
                if (now != null) {
                    assignAddress(now);
                }
            } catch (IOException | RuntimeException again) {
                back = "; putting " + now + " back failed too: " + again.getMessage();
            }
            throw new IOException(e.getMessage() + back, e);
        }
    }

    @Override
    public void release() throws IOException {
        release("released", 0);
    }

    /**
     * Whether the slot was closed while no device held the interface: the interface is still
     * there, and only a driver (adopting it, then closing) can remove it.
     */
    public boolean orphaned() {
        synchronized (lock) {
            return orphaned;
        }
    }

    /** Closes the device, which removes the interface (see {@link #orphaned} when none held it). */
    @Override
    public void close() throws IOException {
        PollableTapDevice d;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            d = device;
            device = null;
            orphaned = d == null;
            lock.notifyAll();
        }
        released.run();
        if (d != null) {
            d.close();
        }
    }

    @Override
    public String toString() {
        return "TAP slot " + name + (device == null ? " (waiting)" : "");
    }
}
