package io.subutai.p2p.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What {@code p2p lab} made, recorded machine-wide (as the namespaces are) in {@link #RECORD}: the
 * lab's process and its directory. With it {@code p2p lab -down} works from any shell, and a second
 * lab is refused while the first runs.
 */
final class LabRecord {

    static final Path RECORD = Path.of("/run/p2plab/lab.properties");

    private LabRecord() {
    }

    /** {@code p2p lab -down}: stops a running lab (its process tears down what it made) and removes what is left. */
    static int down(PrintStream out, PrintStream err) {
        try {
            Properties record = read();
            ProcessHandle lab = labProcess(record);
            if (lab != null) {
                out.println("Stopping the lab's process " + lab.pid() + " (it removes what it made) ...");
                LabNet.stop(List.of(lab), 3 * LabCommand.GRACE_MILLIS);
            }
            LabNet.Swept swept = LabNet.sweep(LabCommand.GRACE_MILLIS, out::println);
            if (record != null) {
                removeState(Path.of(record.getProperty("dir", "/nonexistent")));
            }
            if (lab == null && record == null && swept.nothing()) {
                out.println("No lab is up: no p2plab- namespace, and no lab process.");
                return 0;
            }
            List<String> what = new ArrayList<>(swept.namespaces());
            what.addAll(swept.links());
            out.println("The lab is down." + (what.isEmpty() ? "" : " Removed what was left: " + String.join(", ", what)
                    + (swept.processes() > 0 ? ", and " + LabCommand.count(swept.processes(), "process") : "") + "."));
            return 0;
        } catch (IOException e) {
            err.println("Cannot remove the lab: " + e.getMessage());
            return 1;
        }
    }

    static void write(Path dir, int n, boolean nat, String hash) throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("dir", dir.toString());
        p.setProperty("members", Integer.toString(n));
        p.setProperty("nat", Boolean.toString(nat));
        p.setProperty("hash", hash);
        Files.createDirectories(RECORD.getParent());
        try (OutputStream o = Files.newOutputStream(RECORD)) {
            p.store(o, "p2p lab: what it made (p2p lab -down removes it)");
        }
    }

    /**
     * Removes what the lab kept in {@code dir} but its logs (the daemons' and the servers' state
     * directories), then the record.
     */
    static void removeState(Path dir) throws IOException {
        for (int i = 1; i <= LabCommand.MAX_MEMBERS; i++) {
            delete(dir.resolve("m" + i));
        }
        delete(dir.resolve("servers"));
        deleteRecord();
    }

    private static void deleteRecord() throws IOException {
        Files.deleteIfExists(RECORD);
        try (Stream<Path> left = Files.list(RECORD.getParent())) {
            if (left.findAny().isEmpty()) {
                Files.delete(RECORD.getParent());
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // gone already
        }
    }

    static Properties read() throws IOException {
        if (!Files.exists(RECORD)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(RECORD)) {
            p.load(in);
        }
        return p;
    }

    /** The lab process the record names, if it still runs (and is a {@code p2p lab}, not a process that took its pid). */
    static ProcessHandle labProcess(Properties record) {
        if (record == null || !record.getProperty("pid", "").matches("[0-9]+")) {
            return null;
        }
        long pid = Long.parseLong(record.getProperty("pid"));
        if (pid == ProcessHandle.current().pid()) {
            return null;
        }
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            if (!cmdline.contains(Main.class.getName() + "\0lab\0")) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
    }

    static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
