package io.subutai.p2p.tap.memory.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.TapSpec;

/**
 * One in-memory TAP device: two bounded frame queues, "to the engine" (filled by {@link #inject},
 * drained by {@link #read}) and "from the engine" (filled by {@link #write}, drained by
 * {@link #takeWritten}). A full queue drops the newest frame and counts it, as a kernel queue does.
 * A {@linkplain #release released} device stays in its driver's table until an adopting open of
 * its name replaces it; frames that were queued go with it, as a kernel drops a detached TAP's.
 */
public final class MemoryTap implements PollableTapDevice {

    private final String name;
    private final MacAddress mac;
    private final int mtu;
    private volatile Ipv4Cidr address;
    private final int capacity;
    private final Consumer<MemoryTap> onClose;
    private final boolean offload;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition toEngineReady = lock.newCondition();
    private final Condition fromEngineReady = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<byte[]> toEngine = new ArrayDeque<>();
    private final ArrayDeque<byte[]> fromEngine = new ArrayDeque<>();
    private boolean closed;
    /** Closed by {@link #release}: the "interface" stays in its driver's table for an adopter. */
    private boolean released;
    private long dropped;
    /** Threads asleep in {@link #awaitFrames} (the engine's TAP reader, when it has nothing to do). */
    private int parked;

    MemoryTap(TapSpec spec, String name, Ipv4Cidr address, int capacity, Consumer<MemoryTap> onClose, boolean offload) {
        this.offload = offload;
        this.name = name;
        this.mac = spec.mac();
        this.mtu = spec.mtu();
        this.address = address;
        this.capacity = capacity;
        this.onClose = onClose;
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
    public void assignAddress(Ipv4Cidr address) {
        this.address = address;
    }

    @Override
    public boolean offload() {
        return offload;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** The address the device was given, or null. */
    public Ipv4Cidr address() {
        return address;
    }

    /** Frames dropped because a queue was full. */
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Frames handed to the engine that it has not read yet. */
    public int pending() {
        lock.lock();
        try {
            return toEngine.size();
        } finally {
            lock.unlock();
        }
    }

    /** Hands a frame to the engine, as the kernel would; false when the device is closed. */
    public boolean inject(byte[] frame) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            if (toEngine.size() >= capacity) {
                dropped++;
            } else {
                toEngine.add(frame.clone());
                toEngineReady.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Hands several frames to the engine at once, so that it reads them as one batch (as a busy kernel queue would). */
    public void injectAll(java.util.List<byte[]> frames) {
        lock.lock();
        try {
            for (byte[] f : frames) {
                if (!closed && toEngine.size() < capacity) {
                    toEngine.add(f.clone());
                } else {
                    dropped++;
                }
            }
            toEngineReady.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The next frame the engine wrote, waiting up to {@code timeout}; null if none came or the device closed. */
    public byte[] takeWritten(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (fromEngine.isEmpty() && !closed) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = fromEngineReady.awaitNanos(nanos);
            }
            return fromEngine.poll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int readNow(FrameBatch batch) throws IOException {
        batch.clear();
        lock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            while (!toEngine.isEmpty() && !batch.isFull()) {
                byte[] f = toEngine.poll();
                ByteBuffer b = batch.claim();
                if (f.length > b.capacity()) {
                    dropped++;
                    continue;
                }
                b.put(f);
                batch.commit();
            }
            return batch.count();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void awaitFrames() throws IOException {
        lock.lock();
        try {
            while (toEngine.isEmpty()) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                parked++;
                try {
                    toEngineReady.awaitUninterruptibly();
                } finally {
                    parked--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the engine is done with every frame handed to it: none waits to be read, and a
     * reader sleeps in {@link #awaitFrames} (so it is not still sending what it read). A
     * simulation on a virtual clock moves time on only then.
     */
    public boolean idle() {
        lock.lock();
        try {
            return closed || toEngine.isEmpty() && parked > 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(FrameBatch batch) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            for (int i = 0; i < batch.count(); i++) {
                if (fromEngine.size() >= capacity) {
                    dropped++;
                    continue;
                }
                ByteBuffer b = batch.frame(i).duplicate();
                byte[] f = new byte[b.remaining()];
                b.get(f);
                fromEngine.add(f);
            }
            fromEngineReady.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the device and removes it from its driver. */
    @Override
    public void close() {
        if (stop(false)) {
            onClose.accept(this);
        }
    }

    /** Stops the device and leaves it in its driver's table, for an adopting open of its name. */
    @Override
    public void release() {
        stop(true);
    }

    /** Whether the device was released (handed over) rather than closed. */
    public boolean released() {
        lock.lock();
        try {
            return released;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter, once; false when the device was stopped already. */
    private boolean stop(boolean release) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            released = release;
            toEngineReady.signalAll();
            fromEngineReady.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "memory TAP " + name;
    }
}
