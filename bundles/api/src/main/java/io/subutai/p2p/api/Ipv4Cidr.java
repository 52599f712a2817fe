package io.subutai.p2p.api;

/**
 * An IPv4 address with its prefix length, e.g. {@code 10.10.10.1/24}. A plain address parses with
 * the prefix /24, as the original tool treated every address.
 *
 * @param address the address as a 32-bit big-endian integer
 * @param prefix  the prefix length, 0 to 32
 */
public record Ipv4Cidr(int address, int prefix) {

    public static final int DEFAULT_PREFIX = 24;

    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("Prefix length must be 0 to 32, not " + prefix);
        }
    }

    /**
     * Parses {@code A.B.C.D} (prefix /24) or {@code A.B.C.D/NN}.
     *
     * @throws IllegalArgumentException when the text is neither
     */
    public static Ipv4Cidr parse(String text) {
        int slash = text.indexOf('/');
        int prefix = DEFAULT_PREFIX;
        String addr = text;
        if (slash >= 0) {
            addr = text.substring(0, slash);
            prefix = parseNumber(text.substring(slash + 1), 32, text);
        }
        String[] parts = addr.split("\\.", -1);
        if (parts.length != 4) {
            throw invalid(text);
        }
        int value = 0;
        for (String part : parts) {
            value = (value << 8) | parseNumber(part, 255, text);
        }
        return new Ipv4Cidr(value, prefix);
    }

    private static int parseNumber(String s, int max, String text) {
        if (s.isEmpty() || s.length() > 3 || (s.length() > 1 && s.charAt(0) == '0')) {
            throw invalid(text);
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                throw invalid(text);
            }
            n = n * 10 + d;
        }
        if (n > max) {
            throw invalid(text);
        }
        return n;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("Failed to parse specified IP: " + text);
    }

    /** The address alone, dotted. */
    /** The network this address is in: its address with the host bits cleared, the same prefix. */
    public Ipv4Cidr network() {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return new Ipv4Cidr(address & mask, prefix);
    }

    /** Whether {@code a} (an IPv4 address) is in this address's network. */
    public boolean contains(java.net.InetAddress a) {
        if (!(a instanceof java.net.Inet4Address)) {
            return false;
        }
        byte[] b = a.getAddress();
        int v = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return (v & mask) == (address & mask);
    }

    public String addressText() {
        return (address >>> 24) + "." + ((address >>> 16) & 255) + "." + ((address >>> 8) & 255) + "." + (address & 255);
    }

    @Override
    public String toString() {
        return addressText() + "/" + prefix;
    }
}
