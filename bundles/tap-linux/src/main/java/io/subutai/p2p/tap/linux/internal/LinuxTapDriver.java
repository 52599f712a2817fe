package io.subutai.p2p.tap.linux.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import com.sun.jna.LastErrorException;

import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.PollableTapDevice;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * TAP interfaces on Linux: {@code /dev/net/tun} with {@code IFF_TAP | IFF_NO_PI} through JNA,
 * and address, MAC, MTU and link state through iproute2's {@code ip} (configuration
 * {@code iptool}, found on its own when empty). Every interface is persistent: closing a device
 * removes it, releasing one leaves it as it is, and an adopting spec takes over one that nobody
 * holds (released, or left by a daemon that died) with its index, addresses, routes and bridge.
 *
 * <p>It waits for its configuration, which the engine gives it from the daemon's YAML file at
 * every start, so that the {@code iptool} the user chose is the one every interface is made with.
 */
@Component(service = TapDriver.class, property = TapDriver.PROPERTY + "=linux",
        configurationPid = LinuxTapDriver.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = LinuxTapDriver.Config.class)
public final class LinuxTapDriver implements TapDriver {

    static final String PID = "io.subutai.p2p.tap.linux";
    static final Path TUN = Path.of("/dev/net/tun");
    static final int MAX_NAME = LibC.IFNAMSIZ - 1;

    @ObjectClassDefinition(name = "p2p Linux TAP driver")
    public @interface Config {
        @AttributeDefinition(description = "path of iproute2's ip; empty: look in the usual places and PATH")
        String iptool() default "";

        @AttributeDefinition(description = "hand TCP super-frames and unfinished checksums between the kernel and the"
                + " engine (IFF_VNET_HDR, TUNSETOFFLOAD); false moves every frame one by one")
        boolean offload() default true;
    }

    private volatile IpTool ip;
    private volatile String configured;
    private volatile boolean offload;

    @Activate
    public LinuxTapDriver(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        configured = config.iptool();
        ip = IpTool.find(configured);
        offload = config.offload();
    }

    private String missingTool() {
        return configured == null || configured.isBlank() ? "iproute2's ip was not found (install iproute2 or set iptool)"
                : "the configured iptool " + configured + " is not an executable";
    }

    @Override
    public Availability availability() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Availability.no("not Linux");
        }
        if (!Files.exists(TUN)) {
            return Availability.no(TUN + " is missing (load the tun kernel module: modprobe tun)");
        }
        if (ip == null) {
            return Availability.no(missingTool());
        }
        try {
            LibC.load(); // binds libc through JNA once: the first check pays for it, not the first interface
        } catch (LinkageError e) {
            return Availability.no("native access through JNA failed: " + e);
        }
        return Availability.yes();
    }

    @Override
    public TapDevice open(TapSpec spec) throws IOException {
        IpTool tool = ip;
        if (tool == null) {
            throw new IOException("Failed to configure interface: " + missingTool());
        }
        int fd;
        try {
            fd = LibC.open(TUN.toString(), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("Failed to initialize TAP: cannot open " + TUN + ": " + e.getMessage());
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("Failed to initialize TAP: native access failed: " + e.getMessage());
        }
        String name = null;
        boolean vnet = offload;
        boolean adopted;
        int wake;
        try {
            // until TUNSETPERSIST, closing fd removes an interface made here and leaves an adopted one
            name = attach(fd, spec, vnet);
            adopted = (flags(fd) & LibC.IFF_PERSIST) != 0; // only one that outlived its holder is persistent
            vnet = setOffload(fd, vnet);
            wake = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            try {
                LibC.ioctl(fd, LibC.TUNSETPERSIST, 1);
            } catch (LastErrorException e) {
                closeQuietly(wake);
                throw e;
            }
        } catch (LastErrorException e) {
            closeQuietly(fd);
            throw new IOException("Failed to initialize TAP" + (name == null ? "" : " " + name) + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            closeQuietly(fd);
            throw e;
        }
        LinuxTap tap = new LinuxTap(name, spec.mac(), spec.mtu(), fd, wake, vnet, tool);
        try {
            configure(tool, name, spec);
        } catch (IOException e) {
            if (adopted) {
                tap.release(); // not ours to remove: left as it was found, but for what was set so far
            } else {
                tap.close();
            }
            throw new IOException("Failed to configure interface " + name + ": " + e.getMessage(), e);
        }
        return tap;
    }

    /** Two ends of a pair of {@code AF_UNIX} sequenced-packet sockets, read and written as TAPs are. */
    @Override
    public Optional<List<PollableTapDevice>> openLoopback(MacAddress first, MacAddress second, int mtu) throws IOException {
        try {
            return Optional.of(LinuxTap.loopback(first, second, mtu, offload));
        } catch (LastErrorException e) {
            throw new IOException("cannot make a loopback pair: " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("cannot make a loopback pair: native access failed: " + e.getMessage(), e);
        }
    }

    /**
     * Sets MAC, MTU, link up and the address, leaving what is right already (an adopted interface
     * usually is entirely: then no {@code ip} runs) and any other address an operator gave it.
     */
    private static void configure(IpTool tool, String name, TapSpec spec) throws IOException {
        LinkState now = LinkState.of(name);
        if (now == null || !now.is(spec.mac(), spec.mtu())) {
            tool.run("link", "set", "dev", name, "address", spec.mac().toString(), "mtu", Integer.toString(spec.mtu()), "up");
        }
        if (spec.address() != null && (now == null || !spec.address().equals(now.address()))) {
            tool.run("addr", "replace", spec.address().toString(), "dev", name); // an address there already is kept
        }
    }

    /**
     * Names the device: the given name, or the first free number in a {@code %d} pattern, from 1.
     * {@code IFF_TUN_EXCL} makes the kernel refuse any name an interface of this namespace already
     * has (its answer is the only one that sees the caller's namespace; /sys may show another's).
     * An adopting spec with a plain name leaves it out: the kernel then attaches to a TAP of that
     * name that nobody holds, or makes one.
     */
    private static String attach(int fd, TapSpec spec, boolean vnet) throws IOException {
        String requested = spec.name();
        if (!requested.contains("%d")) {
            check(requested);
            try {
                setIff(fd, requested, vnet, !spec.adopt());
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EBUSY) {
                    throw new IOException("Interface is already in use");
                }
                if (e.getErrorCode() == LibC.EINVAL && spec.adopt()) {
                    throw new IOException("Failed to initialize TAP " + requested + ": an interface of this name exists"
                            + " and is not a TAP interface that can be taken over; delete it or choose another name");
                }
                throw e;
            }
            return requested;
        }
        for (int n = 1; n < 10_000; n++) {
            String candidate = requested.replace("%d", Integer.toString(n));
            check(candidate);
            try {
                setIff(fd, candidate, vnet, true);
                return candidate;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != LibC.EBUSY) {
                    throw e;
                }
            }
        }
        throw new IOException("No free interface name for " + requested);
    }

    private static void check(String name) throws IOException {
        if (name.isEmpty() || name.length() > MAX_NAME || name.contains("/") || name.contains(" ")) {
            throw new IOException("Failed to validate interface name: '" + name + "' is not a valid interface name");
        }
    }

    /**
     * With {@code vnet}, lets the kernel hand over TCP super-frames (up to 64 KiB, segmented later
     * by whoever receives them) and frames whose checksum is left to finish: one read and one
     * write move dozens of packets. The device's frames carry a 10-byte virtio-net header then,
     * which {@code IFF_VNET_HDR} already asked for. A kernel that refuses leaves the header on and
     * the offloads off, which is correct too (every header then says "nothing to do").
     *
     * <p>Without, turns them off: an adopted interface keeps the offloads its last holder set,
     * and super-frames without a header in front could not be told from frames.
     *
     * @return {@code vnet} (the header is there in any case once IFF_VNET_HDR was accepted)
     */
    private static boolean setOffload(int fd, boolean vnet) {
        if (vnet) {
            byte[] size = {LinuxTap.VNET_HEADER, 0, 0, 0}; // little-endian int 10, the kernel's default
            LibC.ioctl(fd, LibC.TUNSETVNETHDRSZ, size);
        }
        try {
            LibC.ioctl(fd, LibC.TUNSETOFFLOAD, vnet ? LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6 | LibC.TUN_F_TSO_ECN : 0);
        } catch (LastErrorException e) {
            // an old kernel: frames come one by one, with a header if asked for
        }
        return vnet;
    }

    /** The device's flags as the kernel has them ({@code TUNGETIFF}): IFF_TAP, IFF_PERSIST, ... */
    private static int flags(int fd) {
        byte[] ifr = new byte[LibC.IFREQ];
        LibC.ioctl(fd, LibC.TUNGETIFF, ifr);
        return ifr[16] & 255 | (ifr[17] & 255) << 8;
    }

    private static void setIff(int fd, String name, boolean vnet, boolean exclusive) {
        byte[] ifr = LibC.ifreq(name);
        short flags = (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | (exclusive ? LibC.IFF_TUN_EXCL : 0) | (vnet ? LibC.IFF_VNET_HDR : 0));
        ifr[16] = (byte) flags; // little-endian short, as on x86-64 and arm64
        ifr[17] = (byte) (flags >> 8);
        LibC.ioctl(fd, LibC.TUNSETIFF, ifr);
    }

    private static void closeQuietly(int fd) {
        try {
            LibC.close(fd);
        } catch (LastErrorException ignored) {
            // nothing else to release
        }
    }
}
