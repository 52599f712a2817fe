package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package {@code launcher/target/p2p_VERSION_all.deb}: its control fields and contents
 * ({@code dpkg-deb}); then, as root on a machine where systemd does not run (CI's container), installed
 * on this machine with {@code dpkg -i}: {@code /usr/bin/p2p} runs with the class-data archive the
 * postinst made, the units pass {@code systemd-analyze verify}, the daemon runs with the exact
 * command line of p2p.service (in a network namespace, its log reaching a syslog receiver there at
 * 127.0.0.1:1514), and {@code dpkg -P} leaves nothing behind. Run it under {@code flock
 * /tmp/p2p-e2e.lock}: it installs a package and starts a daemon.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageProcessTest {

    private static final String DEPENDS = "default-jre-headless (>= 2:1.17) | java17-runtime-headless, iproute2";
    private static final Pattern RFC5424 = Pattern.compile(
            "<30>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z \\S+ p2p \\d+ - - P2P Daemon started in \\d+ ms");

    private static Path deb;
    private static String version;
    /** This test installed the package (and the last test, or {@link #purgeLeftovers}, purges it). */
    private static boolean installed;

    @TempDir
    Path tmp;

    @BeforeAll
    static void thePackage() throws Exception {
        boolean dpkg = Files.isExecutable(Path.of("/usr/bin/dpkg-deb"));
        if (!dpkg) {
            System.err.println("\n*** SKIPPED: DebPackageProcessTest needs dpkg-deb (a Debian machine) ***\n");
        }
        assumeTrue(dpkg, "dpkg-deb is needed");
        Path target = P2pOptions.dist().getParent();
        try (Stream<Path> s = Files.list(target)) {
            List<Path> debs = s.filter(p -> p.getFileName().toString().matches("p2p_.+_all\\.deb")).toList();
            assertEquals(1, debs.size(), "one p2p_VERSION_all.deb in " + target + ": " + debs);
            deb = debs.get(0);
        }
        try (Stream<Path> s = Files.list(P2pOptions.dist().resolve("lib"))) {
            String jar = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("launcher-.+\\.jar")).findFirst()
                    .orElseThrow();
            version = jar.substring("launcher-".length(), jar.length() - ".jar".length());
        }
    }

    @AfterAll
    static void purgeLeftovers() throws Exception {
        if (installed) {
            dpkg("-P", "p2p");
        }
    }

    @Test
    @Order(1)
    void controlFieldsNameThePackageAndTheRuntimeItNeeds() throws Exception {
        Netns.Result r = Netns.exec(List.of("dpkg-deb", "-f", deb.toString()));
        assertEquals(0, r.code(), r.err());
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith(" ")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        assertEquals("p2p", fields.get("Package"), r.out());
        assertEquals(version.replace('-', '~'), fields.get("Version"), "a SNAPSHOT sorts before its release");
        assertEquals("all", fields.get("Architecture"));
        assertEquals(DEPENDS, fields.get("Depends"));
        assertTrue(Integer.parseInt(fields.get("Installed-Size")) > 10_000, "KB: " + fields.get("Installed-Size"));
        assertTrue(deb.getFileName().toString().equals("p2p_" + fields.get("Version") + "_all.deb"), deb.toString());
        Netns.Result conffiles = Netns.exec(List.of("dpkg-deb", "-I", deb.toString(), "conffiles"));
        assertEquals(Set.of("/etc/p2p/p2p.yaml", "/etc/default/p2p", "/etc/default/p2p-servers"),
                Set.of(conffiles.out().trim().split("\n")));
    }

    @Test
    @Order(2)
    void itHoldsTheDistributionUnderUsrLibP2pAndTheUnits() throws Exception {
        Netns.Result r = Netns.exec(List.of("dpkg-deb", "-c", deb.toString()));
        assertEquals(0, r.code(), r.err());
        List<String> lines = Arrays.asList(r.out().split("\n"));
        assertTrue(lines.stream().allMatch(l -> l.contains(" root/root ")), "every file root's");
        Set<String> files = new TreeSet<>();
        for (String l : lines) {
            String name = l.substring(l.indexOf(" ./") + 2);
            if (!l.startsWith("d")) {
                files.add(name);
            }
        }
        assertTrue(files.contains("/usr/bin/p2p -> /usr/lib/p2p/bin/p2p"), files.toString());
        assertTrue(files.contains("/usr/lib/p2p/conf/p2p.yaml -> /etc/p2p/p2p.yaml"), "the daemon's default configuration");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" ./usr/lib/p2p/bin/p2p")));
        for (String f : List.of("/etc/p2p/p2p.yaml", "/etc/default/p2p", "/etc/default/p2p-servers",
                "/lib/systemd/system/p2p.service", "/lib/systemd/system/p2p-servers.service")) {
            assertTrue(files.contains(f), f + " in " + files);
        }
        // the distribution as built, but its class-data archive (made for target/p2p: the postinst makes one)
        Set<String> dist = new TreeSet<>();
        try (Stream<Path> s = Files.walk(P2pOptions.dist())) {
            s.filter(Files::isRegularFile).map(p -> "/usr/lib/p2p/" + P2pOptions.dist().relativize(p))
                    .filter(n -> !n.equals("/usr/lib/p2p/lib/p2p.jsa") && !n.equals("/usr/lib/p2p/conf/p2p.yaml"))
                    .forEach(dist::add);
        }
        Set<String> packaged = files.stream().filter(f -> f.startsWith("/usr/lib/p2p/") && !f.contains(" -> "))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(dist, packaged);
    }

    @Test
    @Order(3)
    void installedWithDpkgItRunsFromUsrBin() throws Exception {
        installOnThisMachine();
        Netns.Result v = Netns.exec(List.of("/usr/bin/p2p", "version"), Map.of("JAVA_TOOL_OPTIONS", "-Xshare:on"));
        assertEquals(0, v.code(), "the JVM maps the archive the postinst made (-Xshare:on fails otherwise): " + v.err());
        assertEquals(version + "\n", v.out());
        Netns.Result help = Netns.exec(List.of("/usr/bin/p2p", "help"));
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("daemon") && help.out().contains("servers"), help.out());
        Netns.Result daemonHelp = Netns.exec(List.of("/usr/bin/p2p", "help", "daemon"));
        assertTrue(daemonHelp.out().contains("-syslog HOST:PORT"), daemonHelp.out());
    }

    @Test
    @Order(4)
    void theInstalledUnitsPassSystemdAnalyzeVerify() throws Exception {
        assumeTrue(installed, "the package is installed (test 3)");
        boolean analyze = Files.isExecutable(Path.of("/usr/bin/systemd-analyze"));
        if (!analyze) {
            System.err.println("\n*** SKIPPED: systemd-analyze verify of the units: no systemd-analyze here"
                    + " (.ci/setup installs systemd) ***\n");
        }
        assumeTrue(analyze, "systemd-analyze is needed");
        Netns.Result r = Netns.exec(List.of("systemd-analyze", "verify", "/lib/systemd/system/p2p.service",
                "/lib/systemd/system/p2p-servers.service"));
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("", r.out() + r.err(), "no warning either (verify exits 0 on a directive it ignores)");
    }

    @Test
    @Order(5)
    void theDaemonRunsAsTheUnitStartsItAndSendsItsLogToSyslog() throws Exception {
        assumeTrue(installed, "the package is installed (test 3)");
        List<String> execStart = execStart(Path.of("/lib/systemd/system/p2p.service"));
        assertEquals(List.of("/usr/bin/p2p", "daemon", "-syslog", "127.0.0.1:1514"), execStart,
                "the unit's command line, with an empty /etc/default/p2p");
        Path receiver = tmp.resolve("SyslogReceiver.java");
        Files.writeString(receiver, """
                public class SyslogReceiver {
                    public static void main(String[] a) throws Exception {
                        try (var s = new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 1514))) {
                            System.out.println("listening");
                            var p = new java.net.DatagramPacket(new byte[4096], 4096);
                            while (true) {
                                s.receive(p);
                                System.out.println(new String(p.getData(), 0, p.getLength(), "UTF-8").replace("\\n", "\\\\n"));
                            }
                        }
                    }
                }
                """);
        try (Netns ns = Netns.create("deb")) {
            Process syslog = new ProcessBuilder(ns.wrap(List.of("java", receiver.toString()))).redirectErrorStream(true).start();
            Process daemon = null;
            try {
                List<String> received = lines(syslog, "p2pt-syslog-receiver");
                Await.require(() -> received.contains("listening"), Duration.ofSeconds(30), () -> "receiver: " + received);
                ProcessBuilder pb = new ProcessBuilder(ns.wrap(execStart)).redirectErrorStream(true);
                pb.environment().remove("P2P_STATE_DIR"); // the unit's: /var/lib/p2p
                daemon = pb.start();
                List<String> log = lines(daemon, "p2pt-deb-daemon");
                Process d = daemon;
                Await.require(() -> received.stream().anyMatch(l -> RFC5424.matcher(l).matches()) || !d.isAlive(),
                        Duration.ofSeconds(60), () -> "syslog: " + received + "\nstdout: " + log);
                assertTrue(daemon.isAlive(), "stdout: " + log);
                assertTrue(log.stream().anyMatch(l -> l.matches("\\[INFO] .* P2P Daemon started in \\d+ ms")), "stdout too: " + log);
                Netns.Result show = Netns.exec(ns.wrap(List.of("/usr/bin/p2p", "show")));
                assertEquals(0, show.code(), "the control API answers: " + show.err());
                assertTrue(Files.exists(Path.of("/var/lib/p2p/control")), "the daemon's state is in /var/lib/p2p");
                daemon.destroy();
                assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
                assertEquals(0, daemon.exitValue(), "stdout: " + log);
            } finally {
                if (daemon != null) {
                    daemon.destroyForcibly().waitFor();
                }
                syslog.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    @Order(6)
    void purgedItLeavesNothingBehind() throws Exception {
        assumeTrue(installed, "the package is installed (test 3)");
        Netns.Result r = dpkg("-P", "p2p");
        assertEquals(0, r.code(), r.out() + r.err());
        installed = false;
        for (String p : List.of("/usr/lib/p2p", "/usr/bin/p2p", "/etc/p2p", "/etc/default/p2p", "/var/lib/p2p",
                "/lib/systemd/system/p2p.service")) {
            assertFalse(Files.exists(Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS), p + " is left");
        }
    }

    /**
     * Installs the package here, after checking that it may: as root, where systemd does not run
     * (the postinst would start p2p.service) and where no p2p package or state is there to lose.
     */
    private static void installOnThisMachine() throws Exception {
        String why = !Netns.isRoot() ? "needs root (dpkg -i)"
                : Files.isDirectory(Path.of("/run/systemd/system")) ? "systemd runs here: installing would start p2p.service"
                : Netns.exec(List.of("dpkg-query", "-W", "p2p")).code() == 0 ? "a p2p package is installed on this machine"
                : Files.exists(Path.of("/var/lib/p2p")) || Files.exists(Path.of("/usr/lib/p2p"))
                ? "/var/lib/p2p or /usr/lib/p2p exists: a purge would remove it" : null;
        if (why != null) {
            System.err.println("\n*** SKIPPED: installing the .deb: " + why + " (CI runs it) ***\n");
        }
        assumeTrue(why == null, why);
        Netns.Result r = dpkg("-i", deb.toString());
        installed = true;
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().lines().allMatch(l -> l.startsWith("Created symlink /etc/systemd/system/multi-user.target.wants/p2p.service")),
                "the postinst enabled p2p.service and said nothing else (it made the class-data archive): " + r.err());
        assertTrue(Files.isRegularFile(Path.of("/usr/lib/p2p/lib/p2p.jsa")), "the postinst made the class-data archive");
    }

    /** {@code dpkg args}, again while another process (apt, dpkg) holds dpkg's lock, for up to a minute. */
    private static Netns.Result dpkg(String... args) {
        List<String> command = new ArrayList<>(List.of("dpkg"));
        command.addAll(List.of(args));
        Netns.Result[] last = new Netns.Result[1];
        Await.until(() -> {
            try {
                last[0] = Netns.exec(command);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return !(last[0].code() == 2 && last[0].err().contains("lock"));
        }, Duration.ofSeconds(60));
        return last[0];
    }

    /** The unit's ExecStart, as systemd runs it with the variables of an empty /etc/default/p2p. */
    private static List<String> execStart(Path unit) throws IOException {
        String line = Files.readAllLines(unit).stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        List<String> argv = new ArrayList<>();
        for (String word : line.substring("ExecStart=".length()).trim().split("\\s+")) {
            if (!word.startsWith("$")) {
                argv.add(word);
            }
        }
        return argv;
    }

    /** The lines {@code p} prints, as they come, collected by a thread of its own. */
    private static List<String> lines(Process p, String thread) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("(" + e + ")");
            }
        }, thread);
        t.setDaemon(true);
        t.start();
        return lines;
    }
}
