package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.function.Consumer;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.TapDevice;

/**
 * A TAP device of the {@link WarmPair} when the TAP driver has no loopback pair of its own
 * ({@link DriverLoop}): no kernel behind it. Frames {@link #inject}ed are what the
 * engine reads; what the engine writes goes to a consumer, on the writing thread. It has the Linux
 * TAP's shape (offloads: every frame starts with a virtio-net header, of zeros here; pollable), so
 * the engine takes the same paths through its code as for a real device.
 */
final class LoopTap implements PollableTapDevice, WarmPair.Side {

    private final String name;
    private final MacAddress mac;
    private final Consumer<ByteBuffer> written;
    // guarded by this
    private final ArrayDeque<byte[]> toEngine = new ArrayDeque<>();
    private boolean closed;

    /** @param written gets each frame the engine writes (its header skipped), on the engine's thread */
    LoopTap(String name, MacAddress mac, Consumer<ByteBuffer> written) {
        this.name = name;
        this.mac = mac;
        this.written = written;
    }

    @Override
    public PollableTapDevice device() {
        return this;
    }

    /** A frame (an Ethernet frame, without the header) for the engine to read. */
    @Override
    public synchronized void inject(byte[] frame) {
        byte[] f = new byte[Offload.HEADER + frame.length];
        System.arraycopy(frame, 0, f, Offload.HEADER, frame.length);
        toEngine.add(f);
        notifyAll();
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
        return 1500;
    }

    @Override
    public boolean offload() {
        return true;
    }

    @Override
    public synchronized int readNow(FrameBatch batch) throws IOException {
        batch.clear();
        if (closed) {
            throw new ClosedChannelException();
        }
        while (!toEngine.isEmpty() && !batch.isFull()) {
            byte[] f = toEngine.poll();
            batch.claim().put(f);
            batch.commit();
        }
        return batch.count();
    }

    @Override
    public synchronized void awaitFrames() throws IOException {
        while (toEngine.isEmpty() && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClosedChannelException();
            }
        }
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public void write(FrameBatch batch) throws IOException {
        synchronized (this) {
            if (closed) {
                throw new ClosedChannelException();
            }
        }
        for (int i = 0; i < batch.count(); i++) {
            ByteBuffer f = batch.frame(i).duplicate();
            f.position(f.position() + Math.min(TapDevice.OFFLOAD_HEADER, f.remaining()));
            written.accept(f);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
