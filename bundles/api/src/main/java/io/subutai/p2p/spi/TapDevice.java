package io.subutai.p2p.spi;

import java.io.IOException;

import io.subutai.p2p.api.MacAddress;

/**
 * An open TAP interface. Frames move in {@link FrameBatch batches} that the caller owns, so a
 * driver that can hand over several frames (or one offloaded super-frame) per system call does
 * so without changing the engine. One reader thread and one writer thread may use a device at
 * the same time; neither may allocate per frame.
 */
public interface TapDevice extends AutoCloseable {

    String name();

    MacAddress mac();

    int mtu();

    /**
     * Blocks until at least one frame is there, then fills {@code batch} (after clearing it) with
     * as many frames as are ready and fit. A frame that fills its whole buffer may have been cut
     * short and is dropped, so size the batch's buffers above {@code mtu() + 18} (an Ethernet
     * header with a VLAN tag).
     *
     * @return the number of frames read
     * @throws IOException when the device fails or was closed
     */
    int read(FrameBatch batch) throws IOException;

    /** Writes every frame of {@code batch} to the kernel side. */
    void write(FrameBatch batch) throws IOException;

    /** Closes the device and removes the interface; a blocked {@link #read} returns with an exception. */
    @Override
    void close() throws IOException;
}
