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
    }

    private volatile IpTool ip;
    private volatile String configured;

    @Activate
    public LinuxTapDriver(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        configured = config.iptool();
        ip = IpTool.find(configured);
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
        try {
            name = attach(fd, spec.name());
            int wake = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            LinuxTap tap = new LinuxTap(name, spec.mac(), spec.mtu(), fd, wake);
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
    private static String attach(int fd, String requested) throws IOException {
        if (!requested.contains("%d")) {
            check(requested);
            try {
                setIff(fd, requested);
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
                setIff(fd, candidate);
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

    private static void setIff(int fd, String name) {
        byte[] ifr = new byte[40];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, ifr, 0, n.length);
        short flags = (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | LibC.IFF_TUN_EXCL);
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
