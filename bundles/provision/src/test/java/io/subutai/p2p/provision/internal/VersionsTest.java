package io.subutai.p2p.provision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class VersionsTest {

    @Test
    void numbersCompareAsNumbersAndAReleaseIsNewerThanItsSnapshot() {
        List<String> v = new ArrayList<>(List.of("1.0.0", "1.10.0", "0.1.0-SNAPSHOT", "1.9", "0.1.0", "2", "1.0.0.beta"));
        v.sort(Versions.NEWEST_FIRST);
        assertEquals(List.of("2", "1.10.0", "1.9", "1.0.0", "1.0.0.beta", "0.1.0", "0.1.0-SNAPSHOT"), v);
        assertEquals(0, Versions.compare("1.0", "1.0.0"));
        assertEquals(0, Versions.compare("0.1.0-SNAPSHOT", "0.1.0.SNAPSHOT"), "Maven and OSGi spelling");
    }

    @Test
    void constraintsAreAnyExactOrARange() {
        assertTrue(Versions.matches("7.3", ""));
        assertTrue(Versions.matches("7.3", "0.0.0"));
        assertTrue(Versions.matches("1.0.0", "1.0"));
        assertFalse(Versions.matches("1.0.1", "1.0"));
        assertTrue(Versions.matches("1.0", "[1.0,2.0)"));
        assertTrue(Versions.matches("1.99", "[1.0,2.0)"));
        assertFalse(Versions.matches("2.0", "[1.0,2.0)"));
        assertFalse(Versions.matches("1.0", "(1.0,2.0]"));
        assertTrue(Versions.matches("2.0", "(1.0,2.0]"));
        assertThrows(IllegalArgumentException.class, () -> Versions.matches("1", "[1.0"));
        assertThrows(IllegalArgumentException.class, () -> Versions.matches("1", "[1.0;2.0]"));
    }
}
