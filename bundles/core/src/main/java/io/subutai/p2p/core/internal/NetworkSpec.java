package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.core.internal.mesh.Suites;

/**
 * A network as {@code p2p start} asked for it, checked: everything a restart needs to bring it back
 * the same. Immutable.
 *
 * @param request the request as given (what the save file keeps, but for MAC and device)
 * @param address the overlay address and prefix; null when a bootstrap server hands it out ({@code -ip dhcp})
 * @param mac     the MAC asked for, or null for a random one
 * @param dev     the interface name asked for, or null for the first free vptpN
 * @param keys    the network keys, in the order they take over
 * @param ports   the UDP ports the instance may bind: {0} for any
 * @param dht     bootstrap servers, HOST:PORT
 */
record NetworkSpec(StartRequest request, Ipv4Cidr address, MacAddress mac, String dev, List<Key> keys,
        PortRange ports, List<String> dht) {

    /** The longest interface name the original accepted. */
    static final int MAX_DEV = 12;

    NetworkSpec {
        keys = List.copyOf(keys);
        dht = List.copyOf(dht);
    }

    /** A network key and the Unix time until which it is valid (Long.MAX_VALUE: no limit). */
    record Key(String key, long until) {
        @Override
        public String toString() {
            return "Key[(hidden), until=" + until + "]";
        }
    }

    /** UDP ports an instance may bind: min..max, or 0..0 for any free one. */
    record PortRange(int min, int max) {
        static final PortRange ANY = new PortRange(0, 0);
    }

    /** Why a request cannot be started: the exit code and the message, as the original gave them. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Invalid(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    static final int CODE_EMPTY_HASH = 12;
    /** {@code set -ip} given no usable address: the original's code. */
    static final int CODE_BAD_IP = 12;
    static final int CODE_BAD_MAC = 13;
    static final int CODE_TILDE = 17;
    static final int CODE_NETWORK = 91; // the original's 603, as a shell sees it
    static final int CODE_BAD_CRYPTO = 2;

    static NetworkSpec check(StartRequest r) throws Invalid {
        if (r.hash().isEmpty()) {
            throw new Invalid(CODE_EMPTY_HASH, "Hash cannot be empty. Please start new instances with -hash VALUE argument");
        }
        if (r.hash().contains("~")) {
            throw new Invalid(CODE_TILDE,
                    "Hash cannot contain the ~. Please start new instances with hash value that doesn't contain it");
        }
        MacAddress mac = null;
        if (!r.mac().isEmpty()) {
            try {
                mac = MacAddress.parse(r.mac());
            } catch (IllegalArgumentException e) {
                throw new Invalid(CODE_BAD_MAC, "Invalid MAC address provided");
            }
            if (mac.isMulticast()) {
                throw new Invalid(CODE_BAD_MAC, "Invalid MAC address provided: " + mac + " is a multicast address");
            }
        }
        List<Key> keys = keys(r);
        PortRange ports = ports(r);
        List<String> dht = dht(r.dht());
        if (!r.proxy().isEmpty()) {
            try {
                io.subutai.p2p.wire.stream.ProxyUrl.parse(r.proxy());
            } catch (IllegalArgumentException e) {
                throw new Invalid(1, "Invalid -proxy: " + e.getMessage() + "; give http://[USER:PASS@]HOST:PORT or socks5://...");
            }
        }
        String dev = r.dev().isEmpty() ? null : r.dev();
        if (dev != null && (dev.length() > MAX_DEV)) {
            throw network(r, "Failed to validate interface name: Interface name is too big");
        }
        if (dev != null && !dev.matches("[A-Za-z0-9_.-]+")) {
            throw network(r, "Failed to validate interface name: '" + dev
                    + "' may hold only letters, digits, '.', '-' and '_'");
        }
        suite(r); // refuses an unknown -crypto
        return new NetworkSpec(r, address(r, dht), mac, dev, keys, ports, dht);
    }

    /** The one crypto suite the network accepts ({@code -crypto}); null: any. */
    String requiredSuite() {
        try {
            return suite(request);
        } catch (Invalid e) {
            throw new IllegalStateException(e); // checked when the spec was made
        }
    }

    private static String suite(StartRequest r) throws Invalid {
        String c = r.crypto().toLowerCase(Locale.ROOT);
        return switch (c) {
            case "", "any" -> null;
            case "pq", Suites.PQ -> Suites.PQ;
            case "classic", Suites.CLASSIC -> Suites.CLASSIC;
            default -> throw new Invalid(CODE_BAD_CRYPTO, "Unknown -crypto '" + r.crypto() + "': give pq (the suite "
                    + Suites.PQ + " only), classic (" + Suites.CLASSIC + " only), or leave it out for the best both sides have");
        };
    }

    /** This network with {@code next} for its address ({@code set -ip}). */
    NetworkSpec readdressed(Ipv4Cidr next) {
        return new NetworkSpec(request.withIp(next.toString()), next, mac, dev, keys, ports, dht);
    }

    /**
     * The address {@code set -ip} asks for: A.B.C.D keeps the prefix of {@code now} (/24 when it
     * has none), A.B.C.D/NN gives its own; under the rules of {@code -ip}.
     *
     * @throws Invalid with {@link #CODE_BAD_IP} when it is not such an address
     */
    static Ipv4Cidr newAddress(String text, Ipv4Cidr now) throws Invalid {
        Ipv4Cidr a;
        try {
            a = Ipv4Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Invalid(CODE_BAD_IP, "Couldn't parse IP " + text + ": give A.B.C.D (keeping the prefix) or A.B.C.D/NN");
        }
        if (!text.contains("/") && now != null) {
            a = new Ipv4Cidr(a.address(), now.prefix());
        }
        String problem = problem(a);
        if (problem != null) {
            throw new Invalid(CODE_BAD_IP, "Couldn't parse IP " + text + ": " + a + " " + problem);
        }
        return a;
    }

    /** Whether the address comes from a bootstrap server. */
    boolean automatic() {
        return address == null;
    }

    private static Ipv4Cidr address(StartRequest r, List<String> dht) throws Invalid {
        String ip = r.ip().toLowerCase(Locale.ROOT);
        if (ip.equals("discover")) {
            throw network(r, "-ip discover (addresses agreed among peers) is not supported: give -ip dhcp with -dht, or an address");
        }
        if (ip.isEmpty() || ip.equals("dhcp") || ip.equals("auto")) {
            if (dht.isEmpty()) {
                throw network(r, "Automatic addresses (-ip " + (ip.isEmpty() ? "dhcp" : ip)
                        + ") come from a bootstrap server: give -dht HOST:PORT too, or -ip A.B.C.D or A.B.C.D/NN");
            }
            return null;
        }
        Ipv4Cidr a;
        try {
            a = Ipv4Cidr.parse(r.ip());
        } catch (IllegalArgumentException e) {
            throw network(r, e.getMessage());
        }
        String problem = problem(a);
        if (problem != null) {
            throw network(r, "Failed to parse specified IP: " + r.ip() + " " + problem);
        }
        return a;
    }

    /**
     * Why {@code a} cannot be a member's overlay address (the rules of {@code -ip}, which an
     * address a bootstrap server hands out must keep too); null when it can.
     */
    static String problem(Ipv4Cidr a) {
        if (a.prefix() < 8 || a.prefix() > 30) {
            return "(the prefix must be /8 to /30)";
        }
        int first = a.address() >>> 24;
        int hostMask = (int) ((1L << (32 - a.prefix())) - 1);
        int host = a.address() & hostMask;
        if (first == 0 || first == 127 || first >= 224 || host == 0 || host == hostMask) {
            return "is not a usable host address";
        }
        return null;
    }

    private static List<Key> keys(StartRequest r) throws Invalid {
        List<Key> keys = new ArrayList<>();
        if (!r.key().isEmpty()) {
            keys.add(new Key(r.key(), r.ttl().isEmpty() ? Long.MAX_VALUE : ttl(r.ttl(), "-ttl")));
        } else if (!r.ttl().isEmpty()) {
            throw new Invalid(1, "-ttl needs -key: it says until when that key is valid");
        }
        if (!r.keyfile().isEmpty()) {
            keys.add(keyFile(Path.of(r.keyfile())));
        }
        return keys;
    }

    private static long ttl(String text, String what) throws Invalid {
        try {
            long t = Long.parseLong(text.trim());
            if (t < 0) {
                throw new NumberFormatException();
            }
            return t;
        } catch (NumberFormatException e) {
            throw new Invalid(1, "Invalid " + what + " '" + text + "': give a Unix time in seconds");
        }
    }

    /** Largest key file read. */
    static final int MAX_KEYFILE = 64 * 1024;

    /** Reads a key file: YAML with {@code key:} and, optionally, {@code ttl:}. A regular file, given by absolute path. */
    static Key keyFile(Path file) throws Invalid {
        String key = null;
        String ttl = "";
        if (!file.isAbsolute()) {
            throw new Invalid(1, "Key file " + file + ": give an absolute path (the daemon does not share your directory)");
        }
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) {
                throw new Invalid(1, "Key file " + file + " is not a regular file");
            }
            if (Files.size(file) > MAX_KEYFILE) {
                throw new Invalid(1, "Key file " + file + " is larger than " + MAX_KEYFILE + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Invalid(1, "Cannot read key file " + file + ": " + e.getMessage());
        }
        try (JsonParser p = new YAMLFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Invalid(1, "Key file " + file + " must hold key: and ttl:");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (!t.isScalarValue()) {
                    throw new Invalid(1, "Key file " + file + ": " + name + " must be a single value");
                }
                switch (name) {
                    case "key" -> key = p.getText();
                    case "ttl" -> ttl = p.getText();
                    default -> throw new Invalid(1, "Key file " + file + ": unknown key '" + name + "'");
                }
            }
        } catch (IOException e) {
            throw new Invalid(1, "Cannot read key file " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (key == null || key.isEmpty()) {
            throw new Invalid(1, "Key file " + file + " has no key");
        }
        return new Key(key, ttl.isEmpty() ? Long.MAX_VALUE : ttl(ttl, "ttl in " + file));
    }

    private static PortRange ports(StartRequest r) throws Invalid {
        if (r.port() < 0 || r.port() > 65535) {
            throw new Invalid(1, "Invalid -port " + r.port() + ": give 1 to 65535, or 0 for any free port");
        }
        if (r.ports().isEmpty()) {
            return r.port() == 0 ? PortRange.ANY : new PortRange(r.port(), r.port());
        }
        if (r.port() != 0) {
            throw new Invalid(1, "Give -port or -ports, not both");
        }
        String[] mm = r.ports().split("-", -1);
        try {
            if (mm.length == 2) {
                int min = Integer.parseInt(mm[0].trim());
                int max = Integer.parseInt(mm[1].trim());
                if (min >= 1 && min <= max && max <= 65535) {
                    return new PortRange(min, max);
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Invalid(1, "Invalid -ports '" + r.ports() + "': give MIN-MAX with 1 <= MIN <= MAX <= 65535");
    }

    private static List<String> dht(String text) throws Invalid {
        List<String> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String s : text.split(",")) {
            try {
                out.add(io.subutai.p2p.wire.dht.ServerName.parse(s).toString());
            } catch (IllegalArgumentException e) {
                throw new Invalid(1, "Invalid -dht '" + text + "': " + e.getMessage()
                        + "; give HOST:PORT[@KEY] or wss://HOST[:PORT][/PATH][@KEY], comma-separated");
            }
        }
        return out;
    }

    private static Invalid network(StartRequest r, String why) {
        return new Invalid(CODE_NETWORK, "Running new P2P instance for " + r.hash() + "\nLookup finished\n"
                + "Failed to configure network: " + why);
    }
}
