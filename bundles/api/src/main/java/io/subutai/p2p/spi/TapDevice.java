package io.subutai.p2p.spi;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

import io.subutai.p2p.api.MacAddress;

/**
 * An open TAP interface. Frames move in {@link FrameBatch batches} that the caller owns, so a
 * driver that can hand over several frames (or one offloaded super-frame) per system call does
 * so without changing the engine. One reader thread and one writer thread may use a device at
 * the same time; neither may allocate per frame. The engine needs devices that can wait for
 * frames apart from reading them ({@link PollableTapDevice}): it refuses others, since a device
 * that only blocks in {@link #read} could not be handed over while a thread sits in it.
 */
@ConsumerType
public interface TapDevice extends AutoCloseable {

    String name();

    MacAddress mac();

    int mtu();

    /** Bytes of the offload header that starts every frame of a device whose {@link #offload()} is true. */
    int OFFLOAD_HEADER = 10;

    /** Room for the largest frame a device may hand over: a 64 KiB super-frame with its headers. */
    int MAX_FRAME = 65_600;

    /**
     * Whether frames, read and written, start with Linux's {@code struct virtio_net_hdr} ({@value
     * #OFFLOAD_HEADER} bytes, little-endian: flags, GSO type, header length, GSO size, checksum
     * start, checksum offset) in front of the Ethernet frame. Such a device may hand over TCP
     * super-frames of up to 64 KiB ({@code gso_type} TCPv4/TCPv6, cut into {@code gso_size}
     * segments by whoever receives them last) and frames whose checksum is still to be finished
     * ({@code NEEDS_CSUM}); it takes the same back. A header of zeros means a plain frame.
     */
    default boolean offload() {
        return false;
    }

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

    /**
     * Gives the interface this IPv4 address (in place of any it had): an address handed out after
     * the device was opened ({@code -ip dhcp}).
     *
     * @throws IOException when the address cannot be set; the default cannot set any
     */
    default void assignAddress(io.subutai.p2p.api.Ipv4Cidr address) throws IOException {
        throw new IOException("this TAP driver cannot change the address of " + name());
    }

    /** Writes every frame of {@code batch} to the kernel side. */
    void write(FrameBatch batch) throws IOException;

    /**
     * Hands the interface over: this device stops (a blocked {@link #read} returns with an
     * exception) but the kernel interface stays as it is, with its index, addresses, routes and
     * bridge, for a driver to {@linkplain TapSpec#adopt adopt} by name. A driver that cannot keep
     * an interface without a holder removes it, as {@link #close} does (the default).
     */
    default void release() throws IOException {
        close();
    }

    /** Closes the device and removes the interface; a blocked {@link #read} returns with an exception. */
    @Override
    void close() throws IOException;
}
