package io.subutai.p2p.spi;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A capability of a {@link TapDevice}: waiting for frames apart from reading them, so that any
 * thread may take what is ready (the engine's receive thread sends an echo reply or a TCP
 * acknowledgement the moment the kernel writes it, without waking the TAP thread). A device that
 * cannot wait this way simply does not implement it; the engine then only {@link TapDevice#read reads}.
 */
@ConsumerType
public interface PollableTapDevice extends TapDevice {

    /**
     * Fills {@code batch} (after clearing it) with the frames that are ready now, without waiting:
     * 0 when there are none. Any thread may call it; calls are serialised with each other and
     * with {@link #read}.
     *
     * @throws IOException when the device fails or was closed
     */
    int readNow(FrameBatch batch) throws IOException;

    /**
     * Blocks until a frame is ready to be {@link #readNow read now}, without reading it, so that
     * the reading itself may happen under the caller's lock. One thread at a time.
     *
     * @throws IOException when the device fails or was closed (a {@link #close} wakes the waiter)
     */
    void awaitFrames() throws IOException;

    /**
     * A file descriptor that polls readable while a frame is ready to be {@link #readNow read now},
     * for a caller that waits for it together with others ({@link DatagramPort#watch}); -1 (the
     * default) when there is none, and once the device is closed: the caller then uses
     * {@link #awaitFrames}. It stays the device's, valid until the device is closed.
     */
    default int descriptor() {
        return -1;
    }

    /** What is ready now, or the first frames to come: {@link #readNow} and {@link #awaitFrames} in turn. */
    @Override
    default int read(FrameBatch batch) throws IOException {
        while (true) {
            int n = readNow(batch);
            if (n > 0) {
                return n;
            }
            awaitFrames();
        }
    }
}
