package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code p2p lab}'s command line, who may run it, and the table it prints (the lab itself: LabProcessTest). */
class LabCommandTest {

    @TempDir
    Path state;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new Main(Map.of("P2P_STATE_DIR", state.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]), state, "1.2.3")
                .run(Arrays.asList(args));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMemberCountOutsideTwoToSixteenIsAUsageErrorThatSaysTheRange() {
        for (String n : List.of("1", "0", "-3", "17")) {
            err.reset();
            assertEquals(2, run("lab", "-n", n), n);
            assertTrue(err().startsWith("Incorrect Usage: invalid value \"" + n + "\" for flag -n: give 2 to 16 members\n"), err());
        }
        err.reset();
        assertEquals(2, run("lab", "-n", "three"));
        assertTrue(err().contains("not a whole number"), err());
        err.reset();
        assertEquals(2, run("lab", "-down", "-n", "3"));
        assertTrue(err().contains("-down takes no other flag"), err());
        err.reset();
        assertEquals(2, run("lab", "-hash", "a~b"));
        assertTrue(err().contains("without ~"), err());
        assertTrue(Files.notExists(state.resolve("lab")), "nothing was made");
    }

    @Test
    void withoutRootItRefusesInOneLineAndMakesNothing() throws Exception {
        for (List<String> argv : List.of(List.of("-n", "3"), List.of("-nat"), List.of("-down"))) {
            err.reset();
            Parsed p = Commands.LAB.parse(argv);
            int code = LabCommand.run(p, false, state, state, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, code, argv.toString());
            assertEquals("p2p lab must run as root: it creates network namespaces and starts a daemon in each."
                    + " Run it with sudo.\n", err());
        }
        assertTrue(Files.notExists(state.resolve("lab")), "nothing was made");
    }

    @Test
    void helpNamesTheFlagsTheRangeAndHowToRemoveIt() {
        assertEquals(0, run("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\n   lab "), "listed");
        out.reset();
        assertEquals(0, run("help", "lab"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String s : List.of("-n N", "2 to 16", "(default: 3)", "-nat", "-hash HASH", "-down", "p2plab-", "Ctrl-C",
                "/var/lib/p2p/lab/logs")) {
            assertTrue(help.contains(s), s + " in:\n" + help);
        }
    }

    private static final LabNet.Member M1 = LabNet.plan(3, false).members().get(0);

    /** A daemon's status -json with two peers: one connected over the LAN, one still handshaking. */
    private static final String STATUS = """
            [ { "hash": "p2plab", "ip": "10.200.0.1", "prefix": 24, "peers": [
                { "id": "b", "state": "INITIALIZING_CONNECTION", "ip": "10.200.0.3", "path": null, "paths": [] },
                { "id": "a", "state": "CONNECTED", "ip": "10.200.0.2",
                  "path": { "endpoint": "10.77.0.12:7001", "kind": "LAN", "relay": null, "rttMicros": 420 } } ] } ]
            """;

    @Test
    void theTableShowsEachPeersStatePathAndRttOnLinesThatStandAlone() throws Exception {
        LabNet.Member m2 = LabNet.plan(3, false).members().get(1);
        LabTable.View v1 = LabTable.view(M1, STATUS);
        LabTable.View v2 = LabTable.view(m2, """
                [ { "peers": [ { "id": "c", "state": "CONNECTED", "ip": "10.200.0.1", "path": { "endpoint": "x",
                  "kind": "RELAY", "relay": "100.64.0.1:6882", "rttMicros": 12400 } } ] } ]""");
        LabTable.View v3 = new LabTable.View(LabNet.plan(3, false).members().get(2), List.of(), "daemon not answering");
        List<String> plain = LabTable.render(List.of(v1, v2, v3), "network \"p2plab\"", false);
        assertTrue(plain.get(0).matches("[0-9:]{8}  2 of 6 links CONNECTED  network \"p2plab\""), plain.get(0));
        assertEquals(List.of("MEMBER     OVERLAY IP  PEER        STATE                    PATH                   RTT",
                "p2plab-m1  10.200.0.1  10.200.0.2  CONNECTED                lan                    0.42 ms",
                "p2plab-m1  10.200.0.1  10.200.0.3  INITIALIZING_CONNECTION  -                      -",
                "p2plab-m2  10.200.0.2  10.200.0.1  CONNECTED                relay 100.64.0.1:6882  12 ms",
                "p2plab-m3  10.200.0.3  -           daemon not answering"), plain.subList(1, plain.size()));
        List<String> terminal = LabTable.render(List.of(v1), "t", true);
        assertEquals(List.of("MEMBER     OV", "p2plab-m1  10", " ".repeat(13)), LabTable.clip(terminal.subList(1, 4), 14),
                "cut to the terminal's width, never wrapped");
        assertTrue(terminal.get(3).startsWith(" ".repeat("p2plab-m1  10.200.0.1  ".length()) + "10.200.0.3"),
                "a member's name once: " + terminal);
    }

    @Test
    void aMemberWithNoNetworkOrNoPeerSaysSo() throws Exception {
        assertEquals("network not started", LabTable.view(M1, "[]\n").problem());
        List<String> lines = LabTable.render(List.of(LabTable.view(M1, "[ { \"peers\": [] } ]")), "t", false);
        assertEquals("p2plab-m1  10.200.0.1  -     no peer seen yet", lines.get(2));
        assertFalse(lines.get(0).contains("\033"), "no escape sequence in the plain form");
    }

    @Test
    void aPeerThatDidNotSayItsIpYetGoesByTheStartOfItsId() throws Exception {
        LabTable.View v = LabTable.view(M1, """
                [ { "peers": [ { "id": "1b7bccc0-5da2-8684-5f60-2cf56ce56a31", "state": "WAITING_CONNECTION", "ip": null,
                  "path": null } ] } ]""");
        assertEquals(List.of(new LabTable.Peer("id 1b7bccc0", "WAITING_CONNECTION", "-", -1)), v.peers());
    }
}
