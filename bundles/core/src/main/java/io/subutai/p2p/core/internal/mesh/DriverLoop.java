package io.subutai.p2p.core.internal.mesh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

import io.subutai.p2p.spi.FrameBatch;
import io.subutai.p2p.spi.PollableTapDevice;

/**
 * A side of the {@link WarmPair} on the TAP driver's own {@linkplain
 * io.subutai.p2p.spi.TapDriver#openLoopback loopback pair}: the engine gets one end, as it gets a
 * real device of that driver, and a thread of its own ({@code p2p-warm-up-host-NAME}) plays the
 * host on the other: it hands each frame the engine wrote to a consumer, and {@link #inject}
 * writes frames for the engine to read. So the warm-up compiles the driver's reads and writes, and
 * every call site between them and the engine sees the class real frames will come through.
 */
final class DriverLoop implements WarmPair.Side {

    private final PollableTapDevice engineEnd;
    private final PollableTapDevice hostEnd;
    private final Consumer<ByteBuffer> written;
    private final int header;
    private final Thread host;
    // owned by whoever injects (guarded by out)
    private final FrameBatch out = new FrameBatch(1, 4096, true);
    private final byte[] noOffload = new byte[Offload.HEADER]; // a plain frame's header: all zeros

    /**
     * @param ends    the driver's pair: the engine's end first
     * @param written gets each frame the engine writes (its offload header skipped), on the host thread
     */
    DriverLoop(String name, List<PollableTapDevice> ends, Consumer<ByteBuffer> written) {
        this.engineEnd = ends.get(0);
        this.hostEnd = ends.get(1);
        this.written = written;
        this.header = hostEnd.offload() ? Offload.HEADER : 0;
        this.host = new Thread(this::host, "p2p-warm-up-host-" + name);
        host.setDaemon(true);
        host.start();
    }

    @Override
    public PollableTapDevice device() {
        return engineEnd;
    }

    @Override
    public void inject(byte[] frame) {
        synchronized (out) {
            out.clear();
            ByteBuffer b = out.claim();
            b.put(noOffload, 0, header).put(frame);
            out.commit();
            try {
                hostEnd.write(out);
            } catch (IOException e) {
                // closed: the pair is ending
            }
        }
    }

    private void host() {
        FrameBatch in = new FrameBatch(8, 4096, true);
        try {
            while (true) {
                int n = hostEnd.read(in);
                for (int i = 0; i < n; i++) {
                    ByteBuffer f = in.frame(i).duplicate();
                    f.position(f.position() + Math.min(header, f.remaining()));
                    written.accept(f);
                }
            }
        } catch (IOException e) {
            // closed: the pair ended
        }
    }

    /** Closes both ends and waits for the host thread. */
    @Override
    public void close() {
        for (PollableTapDevice d : new PollableTapDevice[] {hostEnd, engineEnd}) {
            try {
                d.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
        if (Thread.currentThread() != host) {
            try {
                host.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
