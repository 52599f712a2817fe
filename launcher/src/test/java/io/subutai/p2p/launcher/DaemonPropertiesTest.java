package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonPropertiesTest {

    @TempDir
    Path dir;

    @Test
    void distributionPropertiesGetTheirVariablesReplaced() throws Exception {
        Path f = dir.resolve("config.properties");
        Files.writeString(f, "storage = ${p2p.state.dir}/cache\nrepos = file:${p2p.home}/features/a.xml\n"
                + "filter = .*\\\\.cfg\nkeep = ${other}\n");
        Map<String, String> p = Daemon.load(f, Map.of("p2p.home", "/opt/p2p", "p2p.state.dir", "/var/lib/p2p"));
        assertEquals("/var/lib/p2p/cache", p.get("storage"));
        assertEquals("file:/opt/p2p/features/a.xml", p.get("repos"));
        assertEquals(".*\\.cfg", p.get("filter"));
        assertEquals("${other}", p.get("keep"), "unknown variables are left for the framework");
    }

    @Test
    void aMissingFileSaysWhich() {
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> Daemon.load(dir.resolve("gone.properties"), Map.of()));
        assertTrue(e.getMessage().contains("gone.properties"), e.getMessage());
    }

    @Test
    void theShippedConfigurationNamesTheBootFeatureAndTheStateDirectory() throws Exception {
        Path conf = Path.of("../conf");
        Map<String, String> felix = Daemon.load(conf.resolve("config.properties"),
                Map.of("p2p.home", "/h", "p2p.state.dir", "/s"));
        assertEquals("/s/cache", felix.get("org.osgi.framework.storage"));
        assertEquals("false", felix.get("felix.fileinstall.enableConfigSave"), "never writes into the distribution");
        for (String v : felix.values()) {
            assertTrue(!v.startsWith("/h/") || v.equals("/h/conf"), "only reads from the distribution: " + v);
        }
        Map<String, String> provision = Daemon.load(conf.resolve("io.subutai.p2p.provision.cfg"), Map.of("p2p.home", "/h"));
        assertEquals("p2p-daemon", provision.get("boot"));
        assertEquals("file:/h/features/p2p-features.xml, file:/h/features/p2p-extras.xml", provision.get("repositories"),
                "the extras are known, not installed");
    }
}
