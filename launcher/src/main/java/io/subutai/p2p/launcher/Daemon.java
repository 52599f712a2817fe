package io.subutai.p2p.launcher;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;

import io.subutai.p2p.provision.internal.Boot;
import io.subutai.p2p.provision.internal.ProvisionException;
import io.subutai.p2p.provision.internal.ProvisionSettings;
import io.subutai.p2p.wire.syslog.Syslog;

/**
 * {@code p2p daemon}: embeds Apache Felix, installs the boot features, and runs until SIGTERM or
 * SIGINT. Writes only to the state directory; the distribution ({@code p2p.home}) is read-only.
 */
final class Daemon {

    static final String NOT_ROOT = "P2P cannot run in daemon mode without root privileges";
    static final int EXIT_PORT_IN_USE = 98;
    static final long STOP_TIMEOUT_MS = 2000;
    static final long API_TIMEOUT_MS = 5000;
    /** The longest path of a Unix socket (sun_path, less its terminating NUL). */
    static final int MAX_SOCKET_PATH = 107;

    private final Path home;
    private final Path stateDir;
    private final String version;
    private final PrintStream out;
    private final PrintStream err;
    /** Whether the last {@link #boot} failed before the daemon ran (the framework or the boot features). */
    private boolean bootFailed;
    private static final String CACHE_CLEAN = "org.osgi.framework.storage.clean";
    /** What the boot installs from ({@link BundleCache}); null: the cache is not to be kept. */
    private String fingerprint;
    /**
     * The class-archive's run ({@link ClassArchive}): the build user's boot of a distribution it may
     * own, with no network, so the checks that keep a root daemon from loading what others may
     * write do not apply.
     */
    private boolean training;
    /** Stops the running framework as SIGTERM does; null until it runs. */
    private volatile Runnable stopper;

    Daemon(Path home, Path stateDir, String version, PrintStream out, PrintStream err) {
        this.home = home;
        this.stateDir = stateDir;
        this.version = version;
        this.out = out;
        this.err = err;
    }

    int run(Parsed p, boolean root) {
        long t0 = System.nanoTime();
        String level = p.string("log");
        if (!level.isEmpty() && Log.level(level) < 0) {
            err.println("Unknown log level '" + level + "'. Supported: trace, debug, info, warning, error");
            return 1;
        }
        Syslog syslog;
        try {
            syslog = Log.syslog(p);
        } catch (UsageException e) {
            err.println(e.getMessage());
            return 1; // as the other flags' values
        }
        try (Syslog closed = syslog) {
            if (!root) {
                err.println(Log.line("ERROR", NOT_ROOT));
                return 1;
            }
            return run(p, new Log(out, level, syslog), t0);
        }
    }

    private int run(Parsed p, Log log, long t0) {
        int port = p.integer("rpc-port", Commands.DEFAULT_RPC_PORT);
        if (port < 1 || port > 65535) {
            err.println("-rpc-port must be 1 to 65535, not " + port);
            return 1;
        }
        int mtu = p.integer("mtu", 0);
        if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
            err.println("-mtu must be 576 to 65535 (or 0 for the configuration's), not " + mtu);
            return 1;
        }
        Path config;
        boolean configRequired = p.has("config");
        if (configRequired) {
            config = Path.of(p.string("config")).toAbsolutePath();
            if (!Files.isRegularFile(config)) {
                err.println("Configuration file " + config + " does not exist");
                return 1;
            }
        } else {
            config = Files.isRegularFile(Path.of("/etc/p2p.yaml")) ? Path.of("/etc/p2p.yaml") : home.resolve("conf/p2p.yaml");
        }
        String group = p.string("rpc-group").trim();
        if (!group.isEmpty()) {
            try {
                stateDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            } catch (IOException e) {
                err.println("-rpc-group " + group + ": no such group on this system");
                return 1;
            }
        }
        String metrics = MetricsFlags.problem(p);
        if (metrics != null) {
            err.println(metrics);
            return 1;
        }
        Path socket = Client.socket(stateDir, port);
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            err.println("The control socket's path " + socket + " is longer than " + MAX_SOCKET_PATH
                    + " bytes: give the daemon a shorter state directory (P2P_STATE_DIR)");
            return 1;
        }
        Path save = p.has("save") ? Path.of(p.string("save")).toAbsolutePath() : stateDir.resolve("p2p.save");

        log.info("Initializing P2P Daemon " + version + " (state directory " + stateDir + ")");
        try {
            Files.createDirectories(stateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            err.println(Log.line("ERROR", "Cannot create the state directory " + stateDir + ": " + e.getMessage()));
            return 1;
        }
        for (String problem : new String[] {TrustedDirs.problem(home.resolve("deploy"), "the bundle directory"),
            TrustedDirs.problem(home.resolve("conf"), "the configuration directory"),
            TrustedDirs.problem(stateDir, "the state directory")}) {
            if (problem != null && !training) {
                err.println(Log.line("ERROR", "Refusing to start: " + problem));
                return 1;
            }
        }
        try (FileChannel lockFile = FileChannel.open(stateDir.resolve("daemon.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                err.println(Log.line("ERROR", "Another p2p daemon uses the state directory " + stateDir
                        + "; give each daemon its own with P2P_STATE_DIR"));
                return 1;
            }
            String inUse = p.bool("rpc-tcp") ? portProblem(port) : null;
            if (inUse != null) {
                err.println(Log.line("ERROR", "Failed to start the control API's TCP listener: " + inUse));
                return EXIT_PORT_IN_USE;
            }
            Map<String, String> props;
            try {
                props = frameworkProperties(port, config, configRequired, save, p);
            } catch (IOException e) {
                err.println(Log.line("ERROR", "Cannot read the distribution's configuration: " + e.getMessage()));
                return 1;
            }
            boolean keep = reuseCache(props, log);
            int code = boot(props, log, t0);
            if (bootFailed && keep) {
                log.warn("Starting from the bundle cache failed: starting again with a cleared cache");
                props.put(CACHE_CLEAN, "onFirstInit");
                code = boot(props, log, t0);
            }
            return code;
        } catch (IOException e) {
            err.println(Log.line("ERROR", "Cannot lock " + stateDir.resolve("daemon.lock") + ": " + e.getMessage()));
            return 1;
        }
    }

    /**
     * Lets Felix start from the bundle cache of the last start when nothing that decides what the
     * boot installs changed since ({@link BundleCache}); clears ConfigAdmin's data either way.
     */
    private boolean reuseCache(Map<String, String> props, Log log) {
        Path cache = Path.of(props.get("org.osgi.framework.storage"));
        try {
            // the boot's features count too: -metrics adds one for its run
            fingerprint = BundleCache.fingerprint(home, version + " " + props.get(ProvisionSettings.BOOT),
                    List.of(ProvisionSettings.from(props::get).stateFile()));
            boolean keep = BundleCache.takeReusable(stateDir, cache, fingerprint);
            if (keep) {
                String cm = props.get("felix.cm.dir");
                if (cm != null) {
                    BundleCache.clear(Path.of(cm));
                }
            }
            props.put(CACHE_CLEAN, keep ? "none" : "onFirstInit");
            return keep;
        } catch (IOException | RuntimeException e) {
            log.warn("Clearing the bundle cache: " + e.getMessage());
            fingerprint = null;
            props.put(CACHE_CLEAN, "onFirstInit");
            return false;
        }
    }

    private int boot(Map<String, String> props, Log log, long t0) {
        bootFailed = false;
        Framework framework = new org.apache.felix.framework.FrameworkFactory().newFramework(props);
        try {
            framework.start();
        } catch (BundleException e) {
            log.error("Cannot start the OSGi framework: " + e.getMessage());
            bootFailed = true;
            return 1;
        }
        AtomicBoolean stopping = new AtomicBoolean();
        stopper = () -> {
            stopping.set(true);
            stop(framework, log);
        };
        Signals.onTermination(name -> {
            log.info("Received signal: " + name);
            stopper.run();
        });
        try {
            Boot.run(framework.getBundleContext(), ProvisionSettings.from(props::get), log::warn);
        } catch (ProvisionException | RuntimeException e) {
            if (stopping.get()) {
                log.info("P2P Daemon stopped while starting");
                return 0;
            }
            log.error("Cannot install the boot features: " + e.getMessage());
            stop(framework, log);
            bootFailed = true;
            return 1;
        }
        int port = Integer.parseInt(props.get("p2p.rpc.port"));
        Path socket = Client.socket(stateDir, port);
        boolean tcp = Boolean.parseBoolean(props.get("p2p.rpc.tcp"));
        if (!stopping.get() && !(Await.listening(socket, API_TIMEOUT_MS) && (!tcp || Await.listening(port, API_TIMEOUT_MS)))) {
            log.error("Failed to start the control API: it is not listening on " + socket + (tcp ? " and 127.0.0.1:" + port : "")
                    + " (see the lines above)");
            stop(framework, log);
            return EXIT_PORT_IN_USE;
        }
        log.info(String.format("P2P Daemon started in %d ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
        if (fingerprint != null) {
            try {
                BundleCache.started(stateDir, fingerprint);
            } catch (IOException e) {
                log.warn("The next start clears the bundle cache: " + e.getMessage());
            }
        }
        try {
            FrameworkEvent e = framework.waitForStop(0);
            if (e.getType() == FrameworkEvent.ERROR) {
                log.error("The OSGi framework stopped with an error: " + e.getThrowable());
                return 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("P2P Daemon stopped");
        return 0;
    }

    /** This daemon is {@link ClassArchive}'s training run. */
    Daemon forTraining() {
        training = true;
        return this;
    }

    /** Stops a daemon {@link #run} is running, as SIGTERM would (false when it runs no framework yet). */
    boolean requestStop() {
        Runnable s = stopper;
        if (s != null) {
            s.run();
        }
        return s != null;
    }

    private static void stop(Framework framework, Log log) {
        try {
            framework.stop();
            FrameworkEvent e = framework.waitForStop(STOP_TIMEOUT_MS);
            if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                log.warn("The OSGi framework did not stop within " + STOP_TIMEOUT_MS + " ms");
            }
        } catch (BundleException e) {
            log.error("Stopping the OSGi framework: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Null when 127.0.0.1:port can be bound, else why not. */
    static String portProblem(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return null;
        } catch (IOException e) {
            return "127.0.0.1:" + port + ": " + e.getMessage();
        }
    }

    private Map<String, String> frameworkProperties(int port, Path config, boolean configRequired, Path save, Parsed p)
            throws IOException {
        Map<String, String> vars = new HashMap<>();
        vars.put("p2p.home", home.toString());
        vars.put("p2p.state.dir", stateDir.toString());
        Map<String, String> props = new HashMap<>();
        for (Map.Entry<String, String> e : load(home.resolve("conf/config.properties"), vars).entrySet()) {
            props.put(e.getKey(), e.getValue());
        }
        Map<String, String> provision = load(home.resolve("conf/io.subutai.p2p.provision.cfg"), vars);
        props.put(ProvisionSettings.REPOSITORIES, provision.getOrDefault("repositories", ""));
        props.put(ProvisionSettings.BOOT, provision.getOrDefault("boot", ""));
        props.put(ProvisionSettings.MAVEN, provision.getOrDefault("maven", ""));
        props.putAll(vars);
        props.put("p2p.version", version);
        props.put("p2p.rpc.port", Integer.toString(port));
        props.put("p2p.rpc.tcp", Boolean.toString(p.bool("rpc-tcp")));
        props.put("p2p.rpc.group", p.string("rpc-group").trim());
        props.put("p2p.config", config.toString());
        props.put("p2p.config.required", Boolean.toString(configRequired));
        props.put("p2p.save", save.toString());
        props.put("p2p.mtu", Integer.toString(p.integer("mtu", 0)));
        props.put("p2p.pmtu", Boolean.toString(p.bool("pmtu")));
        props.put("p2p.log", p.string("log"));
        props.put("p2p.syslog", p.string("syslog"));
        if (p.has("metrics")) { // and the feature that serves them, for this run
            props.put("p2p.metrics", io.subutai.p2p.wire.ListenAddress.text(io.subutai.p2p.wire.ListenAddress.parse(p.string("metrics"))));
            props.put("p2p.metrics.token", p.has("metrics-token") ? MetricsFlags.token(p).toString() : "");
            String boot = props.get(ProvisionSettings.BOOT);
            props.put(ProvisionSettings.BOOT, boot.isBlank() ? "p2p-metrics" : boot + ",p2p-metrics");
        }
        return props;
    }

    /** Reads a properties file and replaces {@code ${name}} by the variables given. */
    static Map<String, String> load(Path file, Map<String, String> vars) throws IOException {
        Properties raw = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            raw.load(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new FileNotFoundException(file + " is missing");
        }
        Map<String, String> out = new HashMap<>();
        for (String key : raw.stringPropertyNames()) {
            String v = raw.getProperty(key);
            for (Map.Entry<String, String> var : vars.entrySet()) {
                v = v.replace("${" + var.getKey() + "}", var.getValue());
            }
            out.put(key, v);
        }
        return out;
    }
}
