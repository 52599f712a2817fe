package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.api.StopRequest;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.spi.TapDriver;

class NetworksTest {

    /** What a fake plane's network counted. */
    private static final io.subutai.p2p.api.NetworkCounters NOTHING_COUNTED = new io.subutai.p2p.api.NetworkCounters("id",
            "vptp1", java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), 0, 0);

    @TempDir
    Path dir;

    private final FakeTapDriver memory = new FakeTapDriver();
    private final List<String> log = new ArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

    private Networks networks(TapDriver driver, Path save) {
        MeshLog recording = new MeshLog() {
            @Override
            public void info(String message) {
                log.add("info: " + message);
            }

            @Override
            public void warn(String message) {
                log.add("error: " + message);
            }

            @Override
            public void debug(String message) {
            }
        };
        return networks(() -> driver, null, save == null ? null : new SaveFile(save), recording, new Random(7));
    }

    /** Networks on the "memory" driver with MTU 1500, on this test's clock. */
    private Networks networks(java.util.function.Supplier<io.subutai.p2p.spi.TapDriver> driver, Plane plane, SaveFile save,
            MeshLog log, Random random) {
        return new Networks(driver, plane, "memory", 1500, save, log, random, clock, new Swaps(log, clock));
    }

    private static StartRequest start(String hash, String ip) {
        return StartRequest.of(hash, ip);
    }

    private static StartRequest with(String hash, String ip, String mac, String dev) {
        return new StartRequest(ip, hash, mac, dev, "", "", "", 0, "", "", false);
    }

    @Test
    void startCreatesAnInterfaceAndPrintsTheOriginalsLines() {
        Networks n = networks(memory, null);
        CommandOutput out = n.start(start("alpha", "10.10.10.1"));
        assertEquals(new CommandOutput(0, "Running new P2P instance for alpha\nLookup finished\nInstance created: alpha\n\n", ""), out);
        NetworkInfo info = n.list().get(0);
        assertEquals("vptp1", info.interfaceName());
        assertEquals("10.10.10.1", info.ip());
        assertEquals(24, info.prefix(), "a plain address is /24, as the original");
        assertTrue(info.mac().matches("06(:[0-9a-f]{2}){5}"), info.mac());
        FakeTapDriver.FakeTap tap = memory.device("vptp1").orElseThrow();
        assertEquals("10.10.10.1/24", tap.address().toString());
        assertEquals(1500, tap.mtu());
    }

    @Test
    void macDevAndCidrAreHonouredAndTwoNetworksRunSideBySide() {
        Networks n = networks(memory, null);
        assertEquals(0, n.start(with("alpha", "10.20.0.5/16", "06-aa-bb-cc-dd-ee", "mynet")).code());
        assertEquals(0, n.start(start("beta", "10.30.0.1")).code());
        assertEquals(List.of(new NetworkInfo("alpha", "06:aa:bb:cc:dd:ee", "10.20.0.5", 16, "mynet"),
                new NetworkInfo("beta", n.list().get(1).mac(), "10.30.0.1", 24, "vptp1")), n.list());
        assertEquals(List.of("mynet", "vptp1"), n.history());
    }

    @Test
    void everyStartErrorHasTheOriginalsCode() {
        Networks n = networks(memory, null);
        assertEquals(0, n.start(with("alpha", "10.10.10.1", "", "mydev")).code());
        String prefix = "Running new P2P instance for x\nLookup finished\nFailed to configure network: ";
        Object[][] cases = {
            {start("", "10.0.0.1"), 12, "Hash cannot be empty. Please start new instances with -hash VALUE argument\n"},
            {start("a~b", "10.0.0.1"), 17, "Hash cannot contain the ~. Please start new instances with hash value that doesn't contain it\n"},
            {with("x", "10.0.0.1", "zz", ""), 13, "Invalid MAC address provided\n"},
            {with("x", "10.0.0.1", "01:00:5e:00:00:01", ""), 13, null},
            {start("alpha", "10.10.10.2"), 119, "Running new P2P instance for alpha\nHash already in use\n"},
            {with("x", "10.0.0.1", "", "mydev"), 1, "Device with specified name is already in use\n"},
            {with("x", "10.0.0.1", "", "thirteen-char"), 91, prefix + "Failed to validate interface name: Interface name is too big\n"},
            {start("x", "10.0.0"), 91, prefix + "Failed to parse specified IP: 10.0.0\n"},
            {start("x", "10.0.0.256"), 91, prefix + "Failed to parse specified IP: 10.0.0.256\n"},
            {start("x", "10.0.0.0/24"), 91, null},
            {start("x", "10.0.0.255"), 91, null},
            {start("x", "127.0.0.2"), 91, null},
            {start("x", "10.0.0.1/31"), 91, null},
            {start("x", "dhcp"), 91, prefix + "Automatic addresses (-ip dhcp) come from a bootstrap server: give -dht HOST:PORT"
                    + " too, or -ip A.B.C.D or A.B.C.D/NN\n"},
            {start("x", "discover"), 91, null},
            {start("x", ""), 91, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "soon", "", 0, "", "", false), 1, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "123", "", 0, "", "", false), 1, "-ttl needs -key: it says until when that key is valid\n"},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "", 70000, "", "", false), 1, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "", 0, "9-3", "", false), 1, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "", 5000, "6000-7000", "", false), 1, "Give -port or -ports, not both\n"},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "", 0, "", "host", false), 1, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "/nonexistent/keys.yaml", 0, "", "", false), 1, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "keys.yaml", 0, "", "", false), 1, null},
            {new StartRequest("10.0.0.1", "x", "", "", "", "", "/dev/zero", 0, "", "", false), 1, "Key file /dev/zero is not a regular file\n"},
        };
        for (Object[] c : cases) {
            CommandOutput out = n.start((StartRequest) c[0]);
            assertEquals(c[1], out.code(), c[0] + ": " + out);
            assertEquals("", out.out(), "errors go to stderr: " + c[0]);
            if (c[2] != null) {
                assertEquals(c[2], out.err(), c[0].toString());
            }
        }
        assertEquals(1, n.list().size(), "no failed start left anything behind");
        assertEquals(List.of("mydev"), n.history());
    }

    @Test
    void laterFlagsAreValidatedAndKept() throws IOException {
        Path keyfile = dir.resolve("keys.yaml").toAbsolutePath();
        Files.writeString(keyfile, "key: s3cret\nttl: 1900000000\n");
        Networks n = networks(memory, dir.resolve("p2p.save"));
        StartRequest r = new StartRequest("10.9.0.1", "h", "", "", "k1", "1800000000", keyfile.toString(), 0, "40000-40100",
                "127.0.0.1:6881,localhost:6882", true);
        assertEquals(0, n.start(r).code());
        String saved = Files.readString(dir.resolve("p2p.save"));
        for (String s : List.of("key: k1", "ttl: 1800000000", "keyfile: " + keyfile, "ports: 40000-40100",
                "127.0.0.1:6881,localhost:6882", "fwd: true")) {
            assertTrue(saved.contains(s), s + " in\n" + saved);
        }
        Files.writeString(keyfile, "ttl: 5\n");
        assertEquals(1, n.start(new StartRequest("10.9.1.1", "h2", "", "", "", "", keyfile.toString(), 0, "", "", false)).code());
    }

    @Test
    void aServerKeyLearnedOnFirstContactIsPinnedInTheSaveFileAndABadKeyIsRefused() throws IOException {
        Path save = dir.resolve("p2p.save");
        Networks n = networks(memory, save);
        assertEquals(0, n.start(new StartRequest("10.9.0.1", "h", "", "", "", "", "", 0, "", "127.0.0.1:6881,[::1]:6881",
                false, "", true)).code());
        byte[] key = new byte[32];
        key[31] = 7;
        String hex = java.util.HexFormat.of().formatHex(key);
        n.serverKeyLearned("h", "127.0.0.1:6881", key);
        assertTrue(Files.readString(save).contains("127.0.0.1:6881@" + hex + ",[::1]:6881"), Files.readString(save));
        assertTrue(Files.readString(save).contains("bridge: true"), "the rest of the entry is kept: " + Files.readString(save));
        Networks next = networks(memory, save);
        next.load();
        n.closeAll();
        next.restore();
        assertTrue(log.contains("info: Restored 1 of 1 instances"), "a pinned -dht starts again: " + log);
        next.closeAll();

        CommandOutput bad = networks(memory, null).start(new StartRequest("10.9.0.1", "h3", "", "", "", "", "", 0, "",
                "127.0.0.1:6881@abc", false));
        assertEquals(1, bad.code());
        assertEquals("Invalid -dht '127.0.0.1:6881@abc': the key in '127.0.0.1:6881@abc' is not 64 hex digits (the key"
                + " p2p dht-server prints); give HOST:PORT[@KEY] or wss://HOST[:PORT][/PATH][@KEY], comma-separated\n", bad.err());
    }

    @Test
    void whatTheServerSaysWhileTheNetworkStillStartsIsSavedWithIt() throws IOException {
        Path save = dir.resolve("p2p.save");
        byte[] key = new byte[32];
        key[31] = 9;
        Networks[] self = new Networks[1];
        Plane recording = recordingPlane(new ArrayList<>());
        Plane answersAtOnce = new Plane() { // the bootstrap server answers before the start has made the entry
            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public Plane.Attached attach(NetworkSpec spec, NetworkSecrets secrets, io.subutai.p2p.spi.TapDevice device)
                    throws IOException {
                self[0].serverKeyLearned(spec.request().hash(), "127.0.0.1:6881", key);
                self[0].assigned(spec.request().hash(), Ipv4Cidr.parse("10.9.0.7/24"));
                return recording.attach(spec, secrets, device);
            }
        };
        self[0] = withPlane(answersAtOnce, save);
        assertEquals(0, self[0].start(new StartRequest("10.9.0.1", "h", "", "", "", "", "", 0, "", "127.0.0.1:6881",
                false)).code());
        String saved = Files.readString(save);
        assertTrue(saved.contains("127.0.0.1:6881@" + java.util.HexFormat.of().formatHex(key)), "the key pinned:\n" + saved);
        assertTrue(saved.contains("10.9.0.7/24"), "the address handed out:\n" + saved);
        self[0].serverKeyLearned("h", "127.0.0.1:6881", key); // once started, to the entry itself: unchanged
        assertEquals(saved, Files.readString(save));
        self[0].closeAll();
    }

    @Test
    void aMissingOrUnusableDriverIsExplained() {
        CommandOutput out = networks(null, null).start(start("x", "10.0.0.1"));
        assertEquals(91, out.code());
        assertTrue(out.err().endsWith("Failed to configure network: Failed to configure interface: Failed to initialize TAP: "
                + "the TAP driver 'memory' is not installed\n"), out.err());
    }

    @Test
    void stopRemovesTheInterfaceAndTheHistoryAnswersStopDev() {
        Networks n = networks(memory, null);
        n.start(start("alpha", "10.10.10.1"));
        n.start(start("beta", "10.10.11.1"));
        assertEquals(new CommandOutput(12, "", "Removing vptp1\nCan't remove interface: In use\n"), n.stop(new StopRequest("", "vptp1")));
        assertEquals(CommandOutput.ok("Shutting down alpha\n"), n.stop(new StopRequest("alpha", "")));
        assertTrue(memory.device("vptp1").isEmpty(), "the interface is gone");
        assertEquals(new CommandOutput(1, "", "Instance with hash alpha was not found\n"), n.stop(new StopRequest("alpha", "")));
        assertEquals(CommandOutput.ok("Removing vptp1\nRemoved vptp1\n"), n.stop(new StopRequest("", "vptp1")));
        assertEquals(new CommandOutput(1, "", "Removing vptp1\nInterface was not found\n"), n.stop(new StopRequest("", "vptp1")));
        assertEquals(2, n.stop(new StopRequest("", "")).code());
        assertEquals(List.of("vptp2"), n.history());
    }

    @Test
    void savedNetworksComeBackIdenticalAndStoppedOnesDoNot() throws IOException {
        Path save = dir.resolve("p2p.save");
        Networks first = networks(memory, save);
        first.start(with("alpha", "10.10.10.1", "", ""));
        first.start(with("beta", "10.20.0.1/16", "06:01:02:03:04:05", "betanet"));
        first.start(start("gamma", "10.30.0.1"));
        first.stop(new StopRequest("gamma", ""));
        List<NetworkInfo> before = first.list();
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(save));
        first.closeAll();
        assertTrue(memory.device("vptp1").isEmpty());

        Networks second = networks(memory, save);
        second.load();
        second.restore();
        assertEquals(before, second.list(), "same hash, IP, prefix, MAC and device");
        assertTrue(log.contains("info: Restored 2 of 2 instances"), log.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(save), files.toList(), "no temporary file left");
        }
    }

    @Test
    void aNetworkThatCannotBeRestoredStaysInTheFile() throws IOException {
        Path save = dir.resolve("p2p.save");
        Networks first = networks(memory, save);
        first.start(with("alpha", "10.10.10.1", "", "taken"));
        first.closeAll();
        FakeTapDriver other = new FakeTapDriver();
        other.open(new io.subutai.p2p.spi.TapSpec("taken", io.subutai.p2p.api.MacAddress.parse("06:00:00:00:00:09"), 1500, null));
        Networks second = networks(other, save);
        second.load();
        second.restore();
        assertTrue(second.list().isEmpty());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("error: Cannot restore network ") && !l.contains("alpha")),
                log.toString()); // named by its network id: a hash may be a secret, and is never logged
        assertTrue(Files.readString(save).contains("hash: alpha"), "kept for the next try");
        assertEquals(CommandOutput.ok("Removed alpha from the save file (it was not running)\n"),
                second.stop(new StopRequest("alpha", "")));
        assertFalse(Files.readString(save).contains("alpha"));
    }

    @Test
    void aCorruptSaveFileIsSetAsideAndTheDaemonGoesOn() throws IOException {
        Path save = dir.resolve("p2p.save");
        Files.writeString(save, "- hash: [unclosed\n");
        Networks n = networks(memory, save);
        n.load();
        n.restore();
        assertTrue(n.list().isEmpty());
        Path aside = dir.resolve("p2p.save.corrupt-20261125-120000");
        assertTrue(Files.exists(aside), "kept aside");
        assertEquals("- hash: [unclosed\n", Files.readString(aside));
        assertFalse(Files.exists(save));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("error: The save file is corrupt")), log.toString());
        assertEquals(0, n.start(start("alpha", "10.10.10.1")).code(), "and starts work afterwards");
        assertTrue(Files.readString(save).contains("hash: alpha"));
    }

    @Test
    void networksStartedBeforeTheRestoreDoNotEraseTheSavedOnes() throws IOException {
        Path save = dir.resolve("p2p.save");
        Networks first = networks(memory, save);
        first.start(start("alpha", "10.10.10.1"));
        first.closeAll();
        Networks second = networks(memory, save);
        second.load();
        assertEquals(0, second.start(with("beta", "10.20.0.1", "", "betanet")).code(), "a start before the restore ran");
        assertTrue(Files.readString(save).contains("hash: alpha"), "alpha is still saved");
        second.restore();
        assertEquals(List.of("beta", "alpha"), second.list().stream().map(NetworkInfo::hash).toList());
    }

    @Test
    void anUnreadableSaveFileIsNeverOverwritten() throws IOException {
        Path save = dir.resolve("p2p.save");
        Files.createDirectory(save); // exists, cannot be read as a file
        Networks n = networks(memory, save);
        n.load();
        CommandOutput out = n.start(start("alpha", "10.10.10.1"));
        assertEquals(0, out.code());
        assertTrue(out.err().contains("could not be read at start and is left as it is"), out.err());
        assertTrue(Files.isDirectory(save));
    }

    @Test
    void whenTheDriverLeavesTheNetworksKeepRunningAndWaitVisiblyForTheNextToTakeOver() {
        Networks n = networks(memory, dir.resolve("p2p.save"));
        n.driverChanged(memory, "memory 1.0", 0);
        n.start(with("alpha", "10.10.10.1", "06:00:00:00:00:01", ""));
        List<NetworkInfo> running = List.of(new NetworkInfo("alpha", "06:00:00:00:00:01", "10.10.10.1", 24, "vptp1"));
        n.driverChanged(null, "", 1);
        assertEquals(running, n.list(), "the network runs on without a driver");
        assertEquals(List.of("waiting for the TAP driver 'memory' to take the interface over"),
                n.snapshots().get(0).waiting());
        n.driverChanged(memory, "memory 1.1", 2);
        assertEquals(running, n.list());
        assertEquals(List.of(), n.snapshots().get(0).waiting(), "taken over");
        assertTrue(memory.device("vptp1").isPresent(), "the new driver holds the interface");
    }

    @Test
    void aNetworkStoppedWhileNoDriverHeldItsInterfaceHasItRemovedByTheNextDriverEvenAfterARestart() {
        Path save = dir.resolve("p2p.save");
        Networks n = networks(memory, save);
        n.driverChanged(memory, "memory 1.0", 0);
        assertEquals(0, n.start(with("alpha", "10.10.10.1", "06:00:00:00:00:01", "")).code());
        n.driverChanged(null, "", 1);
        assertEquals(0, n.stop(new StopRequest("alpha", "")).code());
        assertTrue(memory.device("vptp1").isPresent(), "no driver held it: it stays for now");
        assertTrue(Files.exists(dir.resolve("p2p.save.orphans")), "written down for the next daemon");
        n.closeAll();

        Networks next = networks(memory, save); // the daemon after a restart, on the same host
        next.load();
        next.driverChanged(memory, "memory 1.0", 2);
        assertTrue(memory.device("vptp1").isEmpty(), "the next driver removed it");
        assertFalse(Files.exists(dir.resolve("p2p.save.orphans")));
    }

    @Test
    void networksComeUpBeforeTheirPeersAndJoinThemWhenThePlaneIsReady() throws IOException {
        boolean[] ready = {false};
        List<String> attached = new ArrayList<>();
        Plane plane = new Plane() {
            @Override
            public boolean ready() {
                return ready[0];
            }

            @Override
            public Plane.Attached attach(NetworkSpec spec, NetworkSecrets secrets, io.subutai.p2p.spi.TapDevice device) {
                attached.add(spec.request().hash() + "@" + device.name());
                return new Plane.Attached() {
                    @Override
                    public NetworkSnapshot snapshot(NetworkInfo network) {
                        return joined(network, List.of(new PeerSnapshot("id", PeerState.CONNECTED, "10.10.10.2",
                                "06:00:00:00:00:02", "1.2.3.4:5", new PathSnapshot("1.2.3.4:5", PathKind.PUNCHED, null, 1000),
                                List.of(), List.of(), new PeerSnapshot.Attempts(1, 1, 0, 0), List.of())));
                    }

                    @Override
                    public void addKey(String key, long until) {
                        attached.add("key " + key);
                    }

                    @Override
                    public void revoke(String peerId) {
                        attached.add("revoke " + peerId);
                    }

                    @Override
                    public String holder(Ipv4Cidr address) {
                        return null;
                    }

                    @Override
                    public io.subutai.p2p.api.NetworkCounters counted() {
                        return NOTHING_COUNTED;
                    }

                    @Override
                    public void readdress(Ipv4Cidr address) {
                    }

                    @Override
                    public void close() {
                        attached.add("closed " + spec.request().hash());
                    }
                };
            }
        };
        Networks n = networks(() -> memory, plane, null, errorsToLog(), new Random(1));
        assertEquals(0, n.start(start("alpha", "10.10.10.1")).code(), "the interface comes up at once");
        assertEquals(List.of(), peers(n, "alpha"));
        ready[0] = true;
        n.attachPending();
        assertEquals(List.of("alpha@vptp1"), attached);
        assertEquals("10.10.10.2", peers(n, "alpha").get(0).ip());
        n.attachPending();
        assertEquals(1, attached.size(), "attached once");
        assertTrue(n.addKey("alpha", "k2", 2_000_000_000L));
        assertEquals("key k2", attached.get(1));
        assertFalse(n.addKey("nope", "k", 1));
        attached.remove(1);
        n.stop(new StopRequest("alpha", ""));
        assertEquals(List.of("alpha@vptp1", "closed alpha"), attached);
    }

    /** A network joined to these peers. */
    private static NetworkSnapshot joined(NetworkInfo network, List<PeerSnapshot> peers) {
        return new NetworkSnapshot(network.hash(), network.interfaceName(), network.mac(), network.ip(), network.prefix(),
                "self", 7000, false, List.of(), List.of(), List.of(), peers);
    }

    /** The peers of a running network, as the engine reports them. */
    private static List<PeerSnapshot> peers(Networks n, String hash) {
        return n.snapshots().stream().filter(s -> s.hash().equals(hash)).findFirst().orElseThrow().peers();
    }

    /** A data plane that is always ready and writes down what it is asked. */
    private static Plane recordingPlane(List<String> calls) {
        return recordingPlane(calls, null);
    }

    /** A data plane that is always ready, writes down what it is asked, and where a peer "peer-2" holds {@code held}. */
    private static Plane recordingPlane(List<String> calls, String held) {
        return new Plane() {
            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public Plane.Attached attach(NetworkSpec spec, NetworkSecrets secrets, io.subutai.p2p.spi.TapDevice device) {
                calls.add("attach " + spec.request().hash());
                return new Plane.Attached() {
                    @Override
                    public NetworkSnapshot snapshot(NetworkInfo network) {
                        return joined(network, List.of());
                    }

                    @Override
                    public void addKey(String key, long until) {
                        calls.add("key " + key + " " + until);
                    }

                    @Override
                    public void revoke(String peerId) {
                        calls.add("revoke " + peerId);
                    }

                    @Override
                    public String holder(Ipv4Cidr address) {
                        return address.addressText().equals(held) ? "peer-2" : null;
                    }

                    @Override
                    public io.subutai.p2p.api.NetworkCounters counted() {
                        return NOTHING_COUNTED;
                    }

                    @Override
                    public void readdress(Ipv4Cidr address) {
                        calls.add("readdress " + address);
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
    }

    /** Errors go to {@link #log}. */
    private MeshLog errorsToLog() {
        return new MeshLog() {
            @Override
            public void info(String message) {
            }

            @Override
            public void warn(String message) {
                log.add(message);
            }

            @Override
            public void debug(String message) {
            }
        };
    }

    private Networks withPlane(Plane plane, Path save) {
        return networks(() -> memory, plane, new SaveFile(save), errorsToLog(), new Random(3));
    }

    @Test
    void setIpMovesARunningNetworkWithTheOriginalsExitCodesAndTheSaveFileKeepsIt() throws IOException {
        Path save = dir.resolve("p2p.save");
        List<String> calls = new ArrayList<>();
        Plane plane = recordingPlane(calls, "10.10.10.2");
        Networks n = withPlane(plane, save);
        assertEquals(0, n.start(start("alpha", "10.10.10.1")).code());
        FakeTapDriver.FakeTap tap = memory.device("vptp1").orElseThrow();

        assertEquals(4, n.readdress("beta", "10.10.10.7").code(), "no such network");
        for (String bad : List.of("10.10.10", "10.10.10.256", "10.10.10.1/33", "10.10.10.0", "10.10.10.255", "127.0.0.5/8",
                "10.10.10.7/31", "dhcp")) {
            CommandOutput out = n.readdress("alpha", bad);
            assertEquals(12, out.code(), bad);
            assertTrue(out.err().startsWith("Couldn't parse IP " + bad), out.err());
        }
        CommandOutput held = n.readdress("alpha", "10.10.10.2");
        assertEquals(2, held.code(), "a peer holds it");
        assertEquals("Failed to reconfigure network: 10.10.10.2 is held by member peer-2\n", held.err());
        tap.refused = Ipv4Cidr.parse("10.10.10.9/24");
        CommandOutput refused = n.readdress("alpha", "10.10.10.9");
        assertEquals(2, refused.code());
        assertEquals("Failed to reconfigure network: RTNETLINK answers: Permission denied\n", refused.err());
        assertEquals(Ipv4Cidr.parse("10.10.10.1/24"), tap.address(), "the old address is back");
        assertEquals("10.10.10.1", n.list().get(0).ip());
        assertEquals(List.of("attach alpha"), calls, "the peers were told nothing");

        CommandOutput ok = n.readdress("alpha", "10.10.10.7");
        assertEquals(0, ok.code(), ok.out());
        assertEquals("Request for IP change was sent. No errors reported.\n", ok.out());
        assertEquals(Ipv4Cidr.parse("10.10.10.7/24"), tap.address(), "the prefix is kept");
        assertEquals("10.10.10.7", n.list().get(0).ip());
        assertEquals(List.of("attach alpha", "readdress 10.10.10.7/24"), calls, "the peers are told");
        assertEquals(0, n.readdress("alpha", "10.20.0.7/16").code());
        assertEquals(Ipv4Cidr.parse("10.20.0.7/16"), tap.address(), "a prefix given is taken");
        n.closeAll();

        List<String> after = new ArrayList<>();
        Networks restarted = networks(() -> memory, recordingPlane(after), new SaveFile(save), errorsToLog(), new Random(3));
        restarted.load();
        restarted.restore();
        assertEquals("10.20.0.7", restarted.list().get(0).ip(), "the save file kept it");
        assertEquals(16, restarted.list().get(0).prefix());
        assertEquals(List.of(), log);
    }

    @Test
    void setIpGivesANetworkThatHadItsAddressFromAServerOneOfItsOwn() throws IOException {
        Path save = dir.resolve("p2p.save");
        Networks n = withPlane(recordingPlane(new ArrayList<>()), save);
        assertEquals(0, n.start(new StartRequest("dhcp", "auto", "", "", "", "", "", 0, "", "127.0.0.1:6881", false)).code());
        n.assigned("auto", Ipv4Cidr.parse("10.9.0.7/24"));
        assertEquals(0, n.readdress("auto", "10.9.0.8").code());
        assertEquals("10.9.0.8", n.list().get(0).ip());
        String saved = Files.readString(save);
        assertTrue(saved.contains("10.9.0.8/24") && !saved.contains("10.9.0.7") && !saved.contains("dhcp"), saved);
    }

    @Test
    void aRevokedMemberStaysRevokedAfterARestart() throws IOException {
        Path save = dir.resolve("p2p.save");
        List<String> before = new ArrayList<>();
        Networks first = withPlane(recordingPlane(before), save);
        assertEquals(0, first.start(start("alpha", "10.10.10.1")).code());
        String id = "0123abcd-0123-4567-89ab-0123456789ab";
        assertTrue(first.revoke("alpha", id));
        assertTrue(first.revoke("alpha", id), "twice is once");
        assertFalse(first.revoke("beta", id), "no such network");
        assertEquals(List.of("attach alpha", "revoke " + id, "revoke " + id), before);
        assertTrue(Files.readString(save).contains(id), "saved");
        first.closeAll();

        List<String> after = new ArrayList<>();
        Networks restarted = networks(() -> memory, recordingPlane(after), new SaveFile(save), errorsToLog(), new Random(3));
        restarted.load();
        restarted.restore();
        assertEquals(List.of("attach alpha", "revoke " + id), after, "refused again before anything else");
        assertEquals(List.of(), log);
    }

    @Test
    void keysAddedAtRunTimeSurviveARestartInTheirOrderAndExpiredOnesDoNot() throws IOException {
        Path save = dir.resolve("p2p.save");
        List<String> before = new ArrayList<>();
        Networks first = withPlane(recordingPlane(before), save);
        assertEquals(0, first.start(start("alpha", "10.10.10.1")).code());
        long now = clock.instant().getEpochSecond();
        assertTrue(first.addKey("alpha", "second key, with @ and ,", now + 3600));
        assertTrue(first.addKey("alpha", "gone", now + 10));
        assertTrue(first.addKey("alpha", "third", Long.MAX_VALUE));
        first.closeAll();

        List<String> after = new ArrayList<>();
        Clock later = Clock.offset(clock, java.time.Duration.ofSeconds(60));
        Networks restarted = new Networks(() -> memory, recordingPlane(after), "memory", 1500, new SaveFile(save),
                errorsToLog(), new Random(3), later, new Swaps(errorsToLog(), later));
        restarted.load();
        restarted.restore();
        assertEquals(List.of("attach alpha", "key second key, with @ and , " + (now + 3600), "key third " + Long.MAX_VALUE),
                after, "queued again in the order added; the key that ended meanwhile is not");
        assertEquals(List.of(), log);

        restarted.stop(new StopRequest("alpha", ""));
        after.clear();
        assertEquals(0, restarted.start(start("alpha", "10.10.10.1")).code());
        assertEquals(List.of("attach alpha"), after, "a new start is a new key queue");
    }

    @Test
    void theOriginalsTildeFormatIsRestored() throws IOException {
        Path save = dir.resolve("p2p.save");
        Files.writeString(save, "10.1.1.5~06:aa:aa:aa:aa:01~vptp7~legacy~~~~~0~0|||10.1.2.5~~~second~~~k~123~1~0|||");
        Networks n = networks(memory, save);
        n.load();
        n.restore();
        assertEquals(List.of(new NetworkInfo("legacy", "06:aa:aa:aa:aa:01", "10.1.1.5", 24, "vptp7"),
                new NetworkInfo("second", n.list().get(1).mac(), "10.1.2.5", 24, "vptp1")), n.list());
        assertTrue(Files.readString(save).startsWith("- ip:"), "rewritten as YAML");
    }
}
