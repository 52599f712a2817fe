package io.subutai.p2p.provision.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Feature versions as repositories write them, Maven style ({@code 1.1.0}, {@code 0.1.0-SNAPSHOT})
 * or OSGi style ({@code 1.1.0.qualifier}): the leading numbers compare as numbers (a missing one is
 * 0), then a version without a qualifier is newer than one with, and qualifiers compare as text.
 * So {@code 1.10 > 1.9}, {@code 1.0 = 1.0.0}, {@code 1.0.0 > 1.0.0-SNAPSHOT}.
 */
public final class Versions {

    /** Newest first. */
    public static final Comparator<String> NEWEST_FIRST = (a, b) -> compare(b, a);

    private Versions() {
    }

    public static int compare(String a, String b) {
        Parsed x = parse(a);
        Parsed y = parse(b);
        for (int i = 0; i < Math.max(x.numbers.size(), y.numbers.size()); i++) {
            int c = Long.compare(i < x.numbers.size() ? x.numbers.get(i) : 0, i < y.numbers.size() ? y.numbers.get(i) : 0);
            if (c != 0) {
                return c;
            }
        }
        if (x.qualifier.isEmpty() || y.qualifier.isEmpty()) {
            return Boolean.compare(x.qualifier.isEmpty(), y.qualifier.isEmpty());
        }
        return x.qualifier.compareTo(y.qualifier);
    }

    /**
     * Whether {@code version} satisfies a dependency's {@code version} attribute as Karaf reads it:
     * empty or {@code 0.0.0} any version; a range ({@code [1.0,2.0)}, {@code (1.0,2.0]}) the versions
     * in it; a plain version exactly that one.
     *
     * @throws IllegalArgumentException when the constraint is a malformed range
     */
    public static boolean matches(String version, String constraint) {
        String c = constraint.trim();
        if (c.isEmpty() || c.equals("0.0.0")) {
            return true;
        }
        char open = c.charAt(0);
        if (open != '[' && open != '(') {
            return compare(version, c) == 0;
        }
        char close = c.charAt(c.length() - 1);
        int comma = c.indexOf(',');
        if (comma < 0 || (close != ']' && close != ')')) {
            throw new IllegalArgumentException("malformed version range " + c + " (expected [low,high) or (low,high])");
        }
        int low = compare(version, c.substring(1, comma).trim());
        int high = compare(version, c.substring(comma + 1, c.length() - 1).trim());
        return (open == '[' ? low >= 0 : low > 0) && (close == ']' ? high <= 0 : high < 0);
    }

    private record Parsed(List<Long> numbers, String qualifier) {
    }

    private static Parsed parse(String version) {
        String[] parts = version.trim().split("[.-]", -1);
        List<Long> numbers = new ArrayList<>();
        int i = 0;
        for (; i < parts.length && !parts[i].isEmpty() && parts[i].length() < 19 && parts[i].chars().allMatch(Character::isDigit); i++) {
            numbers.add(Long.parseLong(parts[i]));
        }
        return new Parsed(numbers, String.join(".", List.of(parts).subList(i, parts.length)));
    }
}
