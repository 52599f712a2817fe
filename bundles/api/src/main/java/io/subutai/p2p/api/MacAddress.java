package io.subutai.p2p.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A 48-bit Ethernet address. Parses the forms the original accepted ({@code 06:aa:bb:cc:dd:ee},
 * {@code 06-aa-bb-cc-dd-ee}, {@code 06aa.bbcc.ddee}) and prints the colon form in lower case.
 */
public final class MacAddress {

    private static final HexFormat HEX = HexFormat.of();

    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    public static MacAddress of(byte[] bytes) {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("A MAC address has 6 bytes, not " + bytes.length);
        }
        return new MacAddress(bytes.clone());
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not a 6-byte MAC in one of the accepted forms
     */
    public static MacAddress parse(String text) {
        String hex;
        if (text.length() == 17 && (text.charAt(2) == ':' || text.charAt(2) == '-')) {
            char sep = text.charAt(2);
            StringBuilder b = new StringBuilder(12);
            for (int i = 0; i < 6; i++) {
                if (i > 0 && text.charAt(i * 3 - 1) != sep) {
                    throw invalid(text);
                }
                b.append(text, i * 3, i * 3 + 2);
            }
            hex = b.toString();
        } else if (text.length() == 14 && text.charAt(4) == '.' && text.charAt(9) == '.') {
            hex = text.substring(0, 4) + text.substring(5, 9) + text.substring(10, 14);
        } else {
            throw invalid(text);
        }
        for (int i = 0; i < hex.length(); i++) {
            if (Character.digit(hex.charAt(i), 16) < 0) {
                throw invalid(text);
            }
        }
        return new MacAddress(HEX.parseHex(hex));
    }

    /** A random unicast, locally administered address that starts with {@code 06:}, as the original made. */
    public static MacAddress randomLocal(RandomGenerator random) {
        byte[] b = new byte[6];
        b[0] = 0x06;
        for (int i = 1; i < 6; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return new MacAddress(b);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("Invalid MAC address provided: " + text);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public boolean isMulticast() {
        return (bytes[0] & 1) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                b.append(':');
            }
            HEX.toHexDigits(b, bytes[i]);
        }
        return b.toString();
    }
}
