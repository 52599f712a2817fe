package io.subutai.p2p.tap.linux.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import com.sun.jna.LastErrorException;

import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * TAP interfaces on Linux: {@code /dev/net/tun} with {@code IFF_TAP | IFF_NO_PI} through JNA,
 * and address, MAC, MTU and link state through iproute2's {@code ip} (configuration
 * {@code iptool}, found on its own when empty). Closing a device removes its interface.
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
        try {
            name = attach(fd, spec.name(), vnet);
            if (vnet) {
                vnet = enableOffload(fd);
            }
            int wake = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            LinuxTap tap = new LinuxTap(name, spec.mac(), spec.mtu(), fd, wake, vnet, tool);
            try {
                tool.run("link", "set", "dev", name, "address", spec.mac().toString(), "mtu", Integer.toString(spec.mtu()),
                        "up");
                if (spec.address() != null) {
                    tool.run("addr", "add", spec.address().toString(), "dev", name);
                }
            } catch (IOException e) {
                tap.close();
                throw new IOException("Failed to configure interface " + name + ": " + e.getMessage(), e);
            }
            return tap;
        } catch (LastErrorException e) {
            closeQuietly(fd);
            throw new IOException("Failed to initialize TAP" + (name == null ? "" : " " + name) + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (name == null) {
                closeQuietly(fd);
            }
            throw e;
        }
    }

    /**
     * Names the device: the given name, or the first free number in a {@code %d} pattern, from 1.
     * {@code IFF_TUN_EXCL} makes the kernel refuse any name an interface of this namespace already
     * has (its answer is the only one that sees the caller's namespace; /sys may show another's).
     */
    private static String attach(int fd, String requested, boolean vnet) throws IOException {
        if (!requested.contains("%d")) {
            check(requested);
            try {
                setIff(fd, requested, vnet);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EBUSY) {
                    throw new IOException("Interface is already in use");
                }
                throw e;
            }
            return requested;
        }
        for (int n = 1; n < 10_000; n++) {
            String candidate = requested.replace("%d", Integer.toString(n));
            check(candidate);
            try {
                setIff(fd, candidate, vnet);
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
     * Lets the kernel hand over TCP super-frames (up to 64 KiB, segmented later by whoever
     * receives them) and frames whose checksum is left to finish: one read and one write move
     * dozens of packets. The device's frames carry a 10-byte virtio-net header then, which {@code
     * IFF_VNET_HDR} already asked for. A kernel that refuses leaves the header on and the offloads
     * off, which is correct too (every header then says "nothing to do").
     *
     * @return true (the header is there in any case once IFF_VNET_HDR was accepted)
     */
    private static boolean enableOffload(int fd) {
        byte[] size = {LinuxTap.VNET_HEADER, 0, 0, 0}; // little-endian int 10, the kernel's default
        LibC.ioctl(fd, LibC.TUNSETVNETHDRSZ, size);
        try {
            LibC.ioctl(fd, LibC.TUNSETOFFLOAD, LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6 | LibC.TUN_F_TSO_ECN);
        } catch (LastErrorException e) {
            // an old kernel: frames come one by one, still with a header
        }
        return true;
    }

    private static void setIff(int fd, String name, boolean vnet) {
        byte[] ifr = new byte[40];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, ifr, 0, n.length);
        short flags = (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_TUN_EXCL | (vnet ? LibC.IFF_VNET_HDR : 0));
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
