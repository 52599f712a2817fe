package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonConfigTest {

    @TempDir
    Path dir;

    @Test
    void readsTheOriginalKeys() throws IOException {
        Path f = write("iptool: /usr/sbin/ip\nmtu: 1400\npmtu: true\nlog: debug\ntaptool: ''\n");
        DaemonConfig c = DaemonConfig.load(f, true, 0, false, "");
        assertEquals("/usr/sbin/ip", c.ipTool());
        assertEquals(1400, c.mtu());
        assertTrue(c.pmtu());
        assertEquals(LogLevelName.DEBUG, c.logLevel());
        assertTrue(c.problems().isEmpty(), c.problems().toString());
    }

    @Test
    void flagsWinOverTheFile() throws IOException {
        Path f = write("mtu: 1400\nlog: error\n");
        DaemonConfig c = DaemonConfig.load(f, true, 1300, true, "WARNING");
        assertEquals(1300, c.mtu());
        assertTrue(c.pmtu());
        assertEquals(LogLevelName.WARNING, c.logLevel());
    }

    @Test
    void missingDefaultFileGivesDefaultsQuietlyButAMissingNamedFileIsReported() {
        DaemonConfig quiet = DaemonConfig.load(dir.resolve("none.yaml"), false, 0, false, "");
        assertEquals(1500, quiet.mtu());
        assertFalse(quiet.pmtu());
        assertTrue(quiet.problems().isEmpty());
        assertEquals(1, DaemonConfig.load(dir.resolve("none.yaml"), true, 0, false, "").problems().size());
    }

    @Test
    void badValuesAreReportedAndDefaultsKept() throws IOException {
        Path f = write("mtu: big\npmtu: maybe\nlog: loud\ncolour: blue\n");
        DaemonConfig c = DaemonConfig.load(f, true, 0, false, "");
        assertEquals(1500, c.mtu());
        assertFalse(c.pmtu());
        assertEquals(LogLevelName.INFO, c.logLevel());
        assertEquals(4, c.problems().size(), c.problems().toString());
    }

    @Test
    void malformedYamlIsReportedNotThrown() throws IOException {
        DaemonConfig c = DaemonConfig.load(write("mtu: [1400\n"), true, 0, false, "");
        assertEquals(1500, c.mtu());
        assertEquals(1, c.problems().size());
        assertEquals(1, DaemonConfig.load(write("- a\n- b\n"), true, 0, false, "").problems().size());
    }

    private Path write(String yaml) throws IOException {
        Path f = Files.createTempFile(dir, "p2p", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }
}
