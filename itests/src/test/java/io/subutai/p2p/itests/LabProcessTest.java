package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p2p lab} from the built distribution, as CI runs it: without a terminal, so it prints its
 * table as plain lines. The members must show each other CONNECTED, and once the lab is removed
 * ({@code -down}, SIGINT, or {@code -down} after the lab's process was killed) no {@code p2plab-}
 * namespace, host interface or process of it may be left. Needs root and nft.
 */
class LabProcessTest {

    private static final Path RECORD = Path.of("/run/p2plab/lab.properties");

    @TempDir
    Path state;

    private Process lab;
    private Path output;

    @BeforeAll
    static void needs() {
        Lab.needs("LabProcessTest", "ip", "nft");
    }

    @BeforeEach
    void nothingOfALabIsHere() throws Exception {
        assertEquals(List.of(), labNamespaces(), "a lab left by something else: p2p lab -down removes it");
        output = state.resolve("lab.out");
    }

    @AfterEach
    void removeWhatIsLeft() throws Exception {
        if (lab != null && lab.isAlive()) {
            lab.destroyForcibly();
            lab.waitFor(10, TimeUnit.SECONDS);
        }
        p2p("lab", "-down"); // whatever a failed test left
    }

    @Test
    void threeMembersConnectOnALanAndDownRemovesEverything() throws Exception {
        start(List.of(), "-n", "3");
        awaitTable(3, "lan");
        List<ProcessHandle> made = processesOfTheLab();
        assertTrue(made.size() >= 4, "the lab and its 3 daemons: " + made);
        String hostLinks = Netns.exec(List.of("ip", "-o", "link", "show")).out();
        assertFalse(hostLinks.contains("p2plab-"), "the lab's links are all inside its namespaces:\n" + hostLinks);

        Netns.Result again = p2p("lab", "-n", "2");
        assertEquals(1, again.code(), again.out() + again.err());
        assertTrue(again.err().contains("A lab is up already (process " + lab.pid() + "). Remove it first: p2p lab -down"),
                again.err());

        Netns.Result down = p2p("lab", "-down");
        assertEquals(0, down.code(), down.out() + down.err());
        assertTrue(down.out().contains("Stopping the lab's process " + lab.pid()), down.out());
        assertTrue(lab.waitFor(5, TimeUnit.SECONDS), "the lab's process ends");
        assertEquals(143, lab.exitValue(), "ended by -down's SIGTERM");
        assertNothingLeft(made);
        assertTrue(Files.readString(output).contains("Removed 4 namespaces and 3 processes"), output());
        assertTrue(Files.readString(state.resolve("lab/logs/m2.log")).contains("P2P Daemon stopped"),
                "the daemon's log is kept and says it stopped cleanly");

        Netns.Result nothing = p2p("lab", "-down");
        assertEquals(0, nothing.code(), nothing.out() + nothing.err());
        assertEquals("No lab is up: no p2plab- namespace, and no lab process.\n", nothing.out());
    }

    @Test
    void ctrlCRemovesTheLab() throws Exception {
        // a shell's background job ignores SIGINT, and the JVM keeps it ignored: start the lab as a
        // terminal's foreground would, with SIGINT's default action
        start(List.of("env", "--default-signal=INT"), "-n", "2");
        awaitTable(2, "lan");
        List<ProcessHandle> made = processesOfTheLab();
        Netns.exec(List.of("kill", "-INT", Long.toString(lab.pid())));
        assertTrue(lab.waitFor(30, TimeUnit.SECONDS), "the lab ends on SIGINT:\n" + output());
        assertEquals(130, lab.exitValue());
        assertNothingLeft(made);
        assertTrue(output().contains("Removing the lab ..."), output());
    }

    @Test
    void membersBehindTwoNatsPunchOrRelayAndDownCleansUpAfterAKilledLab() throws Exception {
        start(List.of(), "-n", "3", "-nat");
        awaitTable(3, "lan|punched|relay 100\\.64\\.0\\.1:6882");
        String out = output();
        assertTrue(out.contains("bootstrap server 100.64.0.1:6881 and relay 100.64.0.1:6882 up in p2plab-inet"), out);
        assertTrue(Pattern.compile("(?m)^p2plab-m3 +10\\.200\\.0\\.3 +10\\.200\\.0\\.1 +CONNECTED +(punched|relay [0-9.:]+) ")
                .matcher(out).find(), "m3, behind the other router, does not reach m1 over the LAN:\n" + out);
        List<ProcessHandle> made = processesOfTheLab();
        assertTrue(made.size() >= 5, "the lab, its servers and 3 daemons: " + made);

        lab.destroyForcibly(); // SIGKILL: no teardown; -down must find and remove what it left
        lab.waitFor(10, TimeUnit.SECONDS);
        assertEquals(6, labNamespaces().size(), "left by the killed lab: " + labNamespaces());
        Netns.Result down = p2p("lab", "-down");
        assertEquals(0, down.code(), down.out() + down.err());
        assertTrue(down.out().contains("The lab is down. Removed what was left: p2plab-"), down.out());
        assertNothingLeft(made);
    }

    /** Starts {@code p2p lab ARGS} (after {@code prefix}), its output (no terminal) to {@link #output}. */
    private void start(List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(P2pOptions.dist().resolve("bin/p2p").toString());
        cmd.add("lab");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("P2P_STATE_DIR", state.toString());
        lab = pb.start();
    }

    /**
     * Waits until one block of the table shows every member CONNECTED to every other, on a path
     * matching {@code paths}, with an RTT.
     */
    private void awaitTable(int n, String paths) {
        Await.require(() -> {
            for (String block : output().split("\n\n")) {
                boolean all = true;
                for (int i = 1; i <= n && all; i++) {
                    for (int j = 1; j <= n && all; j++) {
                        all = i == j || Pattern.compile("(?m)^p2plab-m" + i + " +10\\.200\\.0\\." + i + " +10\\.200\\.0\\." + j
                                + " +CONNECTED +(" + paths + ") +[0-9.]+ ms$").matcher(block).find();
                    }
                }
                if (all && block.contains("  " + n * (n - 1) + " of " + n * (n - 1) + " links CONNECTED  ")) {
                    return true;
                }
            }
            return !lab.isAlive();
        }, Duration.ofSeconds(90), () -> "the members did not all connect:\n" + output());
        assertTrue(lab.isAlive(), "the lab ended:\n" + output());
    }

    /** The lab's process and every process in its namespaces. */
    private List<ProcessHandle> processesOfTheLab() throws Exception {
        List<ProcessHandle> out = new ArrayList<>(List.of(lab.toHandle()));
        for (String ns : labNamespaces()) {
            for (String pid : Netns.exec(List.of("ip", "netns", "pids", ns)).out().split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    private void assertNothingLeft(List<ProcessHandle> made) throws Exception {
        assertEquals(List.of(), labNamespaces(), "namespaces left");
        String links = Netns.exec(List.of("ip", "-o", "link", "show")).out();
        assertFalse(links.contains("p2plab-"), "host interfaces left:\n" + links);
        for (ProcessHandle p : made) {
            assertFalse(p.isAlive(), "process left: " + p.pid() + " " + p.info().commandLine().orElse(""));
        }
        assertFalse(Files.exists(RECORD), "the record is removed");
        assertFalse(Files.exists(state.resolve("lab/m1")), "the daemons' state is removed");
    }

    private static List<String> labNamespaces() throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Netns.exec(List.of("ip", "netns", "list")).out().split("\n")) {
            if (line.startsWith("p2plab-")) {
                out.add(line.split("\\s+")[0]);
            }
        }
        return out;
    }

    private Netns.Result p2p(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(P2pOptions.dist().resolve("bin/p2p").toString()));
        cmd.addAll(List.of(args));
        return Netns.exec(cmd, Map.of("P2P_STATE_DIR", state.toString()));
    }

    private String output() {
        try {
            return Files.readString(output);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
