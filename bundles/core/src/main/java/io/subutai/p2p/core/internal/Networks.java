package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.api.StartRequest;
import io.subutai.p2p.api.StopRequest;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.Secrets;
import io.subutai.p2p.core.internal.mesh.TapSlot;
import io.subutai.p2p.spi.TapDriver;

/**
 * The network instances of this daemon and the save file that brings them back. The bookkeeping
 * runs under this object's lock; the slow part of a start (making the interface) runs outside it,
 * with the hash and the interface name reserved, so a hung {@code ip} never blocks {@code show}
 * or {@code stop} of other networks. The save file always lists what runs plus what could not
 * be restored; it is read once, before anything can rewrite it.
 */
final class Networks {

    static final int HASH_IN_USE = 119;
    static final int DEV_IN_USE = 1;
    static final int NOT_FOUND = 1;

    // immutable
    private final Supplier<TapDriver> driver;
    private final Interfaces interfaces;
    private final Plane plane;
    private final SaveFile save;
    private final MeshLog log;
    private final Clock clock;

    // guarded by this
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, SaveFile.Entry> saved = new LinkedHashMap<>();
    private final Set<String> history = new LinkedHashSet<>();
    private final Set<String> startingHashes = new HashSet<>();
    private final Map<String, List<UnaryOperator<SaveFile.Entry>>> whileStarting = new HashMap<>(); // see change()
    private final Set<String> startingDevs = new HashSet<>();
    private boolean saveUnreadable;
    private boolean closed;

    /**
     * @param driver     the chosen TAP driver, or null while it is not there
     * @param plane      joins each network to its peers; null keeps networks to their interfaces
     * @param driverName its name, for messages
     * @param save       the save file, or null to keep nothing
     * @param swaps      where the swaps of TAP drivers under running networks are recorded
     */
    Networks(Supplier<TapDriver> driver, Plane plane, String driverName, int mtu, SaveFile save, MeshLog log,
            RandomGenerator random, Clock clock, Swaps swaps) {
        this.driver = driver;
        this.interfaces = new Interfaces(driverName, mtu, log, random, swaps, save == null ? null
                : save.path().resolveSibling(save.path().getFileName() + ".orphans"));
        this.plane = plane;
        this.save = save;
        this.log = log;
        this.clock = clock;
    }

    /** The address a network has now: its own, or the one a bootstrap server handed out (null: none yet). Caller holds this. */
    private Ipv4Cidr address(Instance i) {
        return i.spec().address() != null ? i.spec().address() : previous(i.spec().request().hash());
    }

    /** A bootstrap server handed this address to a network started with {@code -ip dhcp}: saved, to ask for after a restart. */
    synchronized void assigned(String hash, Ipv4Cidr address) {
        String a = address.toString();
        change(hash, e -> a.equals(e.assigned()) ? e : e.withAssigned(a), "The address of network " + idOf(hash));
    }

    /** A bootstrap server named {@code HOST:PORT} showed {@code key} first: saved as {@code HOST:PORT@KEY}, to trust alone. */
    synchronized void serverKeyLearned(String hash, String server, byte[] key) {
        change(hash, e -> e.withServerKey(server, key), "The pinned key of network " + idOf(hash));
    }

    /** Changes the entry of {@code hash} (or the one its start makes, while it starts: its server may answer first). Caller holds this. */
    private void change(String hash, UnaryOperator<SaveFile.Entry> how, String what) {
        SaveFile.Entry e = saved.get(hash);
        SaveFile.Entry changed = e == null ? null : how.apply(e);
        if (startingHashes.contains(hash)) {
            whileStarting.computeIfAbsent(hash, h -> new ArrayList<>()).add(how);
        } else if (changed != e) {
            resave(hash, changed, what);
        }
    }

    /** The address a network started with {@code -ip dhcp} held before (null: none). */
    synchronized Ipv4Cidr previous(String hash) {
        return SaveFile.Entry.assigned(saved.get(hash));
    }

    synchronized List<NetworkInfo> list() {
        List<NetworkInfo> out = new ArrayList<>(instances.size());
        for (Instance i : instances.values()) {
            out.add(i.info(address(i)));
        }
        return out;
    }

    /** Every interface name used since the daemon started, running or not. */
    synchronized List<String> history() {
        return List.copyOf(history);
    }

    CommandOutput start(StartRequest request) {
        return start(request, true);
    }

    /**
     * @param join whether to join the network to its peers now (else {@link #attachPending} does);
     *             false when it comes back from the save file, and then an interface of its name
     *             that nobody holds (a crashed daemon's) is taken over rather than refused
     */
    private CommandOutput start(StartRequest request, boolean join) {
        NetworkSpec spec;
        try {
            spec = NetworkSpec.check(request); // reads a key file: outside the lock
        } catch (NetworkSpec.Invalid e) {
            return CommandOutput.error(e.code, e.getMessage() + "\n");
        }
        String hash = request.hash();
        synchronized (this) {
            if (closed) {
                return CommandOutput.error(1, "The daemon is stopping\n");
            }
            if (instances.containsKey(hash) || startingHashes.contains(hash)) {
                return CommandOutput.error(HASH_IN_USE, "Running new P2P instance for " + hash + "\nHash already in use\n");
            }
            if (spec.dev() != null && (startingDevs.contains(spec.dev()) || running(spec.dev()))) {
                return CommandOutput.error(DEV_IN_USE, "Device with specified name is already in use\n");
            }
            startingHashes.add(hash);
            if (spec.dev() != null) {
                startingDevs.add(spec.dev());
            }
        }
        TapSlot device = null;
        try {
            NetworkSecrets secrets = NetworkSecrets.of(spec); // Argon2id: outside the lock
            device = interfaces.open(driver.get(), spec, !join);
            Plane.Attached attached = null;
            if (join && plane != null && plane.ready()) {
                try {
                    attached = plane.attach(spec, secrets, device);
                } catch (IOException | RuntimeException e) {
                    device.close();
                    throw new IOException(e.getMessage(), e);
                }
            }
            return started(spec, secrets, device, attached, !join);
        } catch (IOException e) {
            return CommandOutput.error(NetworkSpec.CODE_NETWORK, "Running new P2P instance for " + hash
                    + "\nLookup finished\nFailed to configure network: " + e.getMessage() + "\n");
        } finally {
            synchronized (this) {
                startingHashes.remove(hash);
                whileStarting.remove(hash);
                if (spec.dev() != null) {
                    startingDevs.remove(spec.dev());
                }
            }
        }
    }

    private boolean running(String dev) {
        for (Instance i : instances.values()) {
            if (i.device().name().equals(dev)) {
                return true;
            }
        }
        return false;
    }

    /** @param restored whether it came back from the save file (which keeps the keys added to it at run time) */
    private synchronized CommandOutput started(NetworkSpec spec, NetworkSecrets secrets, TapSlot device, Plane.Attached attached,
            boolean restored) {
        StartRequest request = spec.request();
        String hash = request.hash();
        SaveFile.Entry before = saved.get(hash);
        List<SaveFile.AddedKey> added = restored && before != null ? before.added() : List.of();
        List<String> revoked = restored && before != null ? before.revoked() : List.of();
        String assigned = spec.automatic() && before != null ? before.assigned() : ""; // asked for again
        Instance instance = new Instance(spec, secrets, device, attached);
        if (closed) {
            instance.close(interfaces, log);
            return CommandOutput.error(1, "The daemon is stopping\n");
        }
        instances.put(hash, instance);
        history.add(device.name());
        log.info("Configured " + device.name() + ". IP: " + (spec.automatic() ? "from the bootstrap server" : spec.address())
                + ", Mac: " + device.mac());
        log.info("Instance created: network " + secrets.networkId()); // the hash may be the secret: never logged
        StartRequest exact = new StartRequest(request.ip(), hash, device.mac().toString(), device.name(), request.key(),
                request.ttl(), request.keyfile(), request.port(), request.ports(), request.dht(), request.fwd(),
                request.crypto(), request.bridge(), request.proxy());
        SaveFile.Entry entry = new SaveFile.Entry(exact, clock.instant(), added, assigned, revoked);
        for (UnaryOperator<SaveFile.Entry> how : whileStarting.getOrDefault(hash, List.of())) {
            entry = how.apply(entry);
        }
        whileStarting.remove(hash);
        startingHashes.remove(hash); // started: what comes from now on changes the entry itself
        saved.put(hash, entry);
        if (attached != null) {
            addSavedKeys(hash, attached);
        }
        String problem = persist();
        String err = problem == null ? "" : "Warning: " + problem + "; this network will not come back after a restart\n";
        return new CommandOutput(0, "Running new P2P instance for " + hash + "\nLookup finished\nInstance created: "
                + hash + "\n\n", err);
    }

    synchronized CommandOutput stop(StopRequest request) {
        if (!request.hash().isEmpty()) {
            String hash = request.hash();
            if (startingHashes.contains(hash)) {
                return CommandOutput.error(1, "Instance with hash " + hash + " is still starting; try again\n");
            }
            Instance instance = instances.remove(hash);
            if (instance == null) {
                if (saved.remove(hash) != null) {
                    String problem = persist();
                    return problem == null ? CommandOutput.ok("Removed " + hash + " from the save file (it was not running)\n")
                            : CommandOutput.error(1, problem + "\n");
                }
                return CommandOutput.error(NOT_FOUND, "Instance with hash " + hash + " was not found\n");
            }
            instance.close(interfaces, log);
            saved.remove(hash);
            log.info("Instance stopped: network " + instance.secrets().networkId());
            String problem = persist();
            return new CommandOutput(0, "Shutting down " + hash + "\n", problem == null ? ""
                    : "Warning: " + problem + "; the network may come back after a restart\n");
        }
        if (request.dev().isEmpty()) {
            return CommandOutput.error(2, "Not enough parameters for stop command\n");
        }
        String dev = request.dev();
        if (running(dev) || startingDevs.contains(dev)) {
            return CommandOutput.error(12, "Removing " + dev + "\nCan't remove interface: In use\n");
        }
        if (!history.remove(dev)) {
            return CommandOutput.error(1, "Removing " + dev + "\nInterface was not found\n");
        }
        return CommandOutput.ok("Removing " + dev + "\nRemoved " + dev + "\n");
    }

    /**
     * Reads the save file, once, before anything may rewrite it. A corrupt file is set aside and
     * the daemon goes on without it; one that cannot be read at all is left alone and never
     * overwritten.
     */
    synchronized void load() {
        if (save == null) {
            return;
        }
        try {
            for (SaveFile.Entry e : save.read()) {
                saved.put(e.request().hash(), e);
            }
        } catch (SaveFile.Corrupt e) {
            try {
                log.warn("The save file is corrupt (" + e.getMessage() + "); kept aside as " + save.setAside(clock.instant())
                        + "; starting without it");
            } catch (IOException x) {
                saveUnreadable = true;
                log.warn("The save file is corrupt (" + e.getMessage() + ") and cannot be moved aside: " + x.getMessage());
            }
        } catch (IOException e) {
            saveUnreadable = true;
            log.warn("Cannot read the save file " + save.path() + ": " + e.getMessage()
                    + "; starting without it, and leaving it as it is");
        }
    }

    /**
     * Starts every saved network that does not run (all of them after {@link #load}, or those a
     * departed TAP driver took). One that fails stays in the file for the next try.
     */
    void restore() {
        List<SaveFile.Entry> entries;
        synchronized (this) {
            entries = new ArrayList<>();
            for (SaveFile.Entry e : saved.values()) {
                if (!instances.containsKey(e.request().hash())) {
                    entries.add(e);
                }
            }
        }
        int ok = 0;
        for (SaveFile.Entry e : entries) {
            CommandOutput out = start(e.request(), false); // interfaces first, all of them
            if (out.code() == 0) {
                ok++;
            } else {
                log.warn("Cannot restore network " + idOf(e.request().hash()) + ": "
                        + (out.err() + out.out()).replace(e.request().hash(), "(its hash)").strip().replace('\n', ' '));
            }
        }
        if (!entries.isEmpty()) {
            log.info("Restored " + ok + " of " + entries.size() + " instances");
        }
        attachPending(); // then their peers
    }

    /**
     * The TAP driver to use is now {@code next} (null: none is there): the running networks'
     * interfaces are handed over to it ({@link Interfaces}). Never called under this object's lock.
     *
     * @param origin the bundle {@code next} comes from, for the record
     */
    void driverChanged(TapDriver next, String origin, long nowNanos) {
        interfaces.driverChanged(next, origin, nowNanos, this::held);
    }

    /** The interfaces of the running networks. */
    private synchronized List<Interfaces.Held> held() {
        List<Interfaces.Held> out = new ArrayList<>();
        if (!closed) {
            for (Instance i : instances.values()) {
                out.add(new Interfaces.Held(i.spec().request().hash(), i.secrets().networkId(), i.device()));
            }
        }
        return out;
    }

    /** A network's name in the log (a hash may be a secret): a running one's id, or computed (an Argon2id). */
    private String idOf(String hash) {
        synchronized (this) {
            Instance i = instances.get(hash);
            if (i != null) {
                return i.secrets().networkId();
            }
        }
        return Secrets.networkId(Secrets.stretch(hash));
    }

    /** Closes every interface for good; the save file keeps them for the next start. */
    synchronized void closeAll() {
        closed = true;
        for (Instance i : instances.values()) {
            i.close(interfaces, log);
        }
        instances.clear();
    }

    /**
     * Joins to their peers the networks that run without (started before the crypto suite and
     * the UDP sockets were there, or left when they went away). One that fails stays as it is.
     */
    void attachPending() {
        if (plane == null || !plane.ready()) {
            return;
        }
        List<Instance> waiting = new ArrayList<>();
        synchronized (this) {
            for (Instance i : instances.values()) {
                if (i.attached() == null) {
                    waiting.add(i);
                }
            }
        }
        for (Instance i : waiting) {
            Plane.Attached a;
            try {
                a = plane.attach(i.spec(), i.secrets(), i.device());
            } catch (IOException | RuntimeException e) {
                log.warn("Cannot join network " + i.secrets().networkId() + " to its peers: " + e.getMessage());
                continue;
            }
            synchronized (this) {
                String hash = i.spec().request().hash();
                Instance now = instances.get(hash);
                if (now != null && now.device() == i.device() && !closed) { // readdressed meanwhile: now's spec says so
                    instances.put(hash, new Instance(now.spec(), now.secrets(), now.device(), a));
                    if (now.spec() != i.spec()) {
                        a.readdress(now.spec().address());
                    }
                    addSavedKeys(hash, a);
                    continue;
                }
            }
            a.close(); // stopped meanwhile
        }
    }

    /** Adds a key to a running network's queue; false when no such network runs joined to its peers. */
    synchronized boolean addKey(String hash, String key, long until) {
        return change(hash, a -> a.addKey(key, until), e -> e.withKey(new SaveFile.AddedKey(key, until),
                clock.instant().getEpochSecond()), "The key added to network ");
    }

    /** Refuses the member {@code peerId} in a running network for good; false when no such network runs joined to its peers. */
    synchronized boolean revoke(String hash, String peerId) {
        return change(hash, a -> a.revoke(peerId), e -> e.withRevoked(peerId), "The revocation in network ");
    }

    /**
     * Gives a running network the overlay address {@code text} ({@code set -ip}, the original's exit
     * codes): its interface takes it (or keeps the old), its peers and discovery are told, and the
     * save file keeps it as the network's own. An address a peer holds is refused.
     */
    synchronized CommandOutput readdress(String hash, String text) {
        Instance i = instances.get(hash);
        if (i == null) {
            return CommandOutput.error(4, "Instance " + hash + " wasn't found\n");
        }
        Ipv4Cidr now = address(i);
        Ipv4Cidr next;
        try {
            next = NetworkSpec.newAddress(text, now);
        } catch (NetworkSpec.Invalid e) {
            return CommandOutput.error(e.code, e.getMessage() + "\n");
        }
        String holder = i.attached() == null ? null : i.attached().holder(next);
        try {
            if (holder != null) {
                throw new IOException(next.addressText() + " is held by member " + holder);
            } else if (!next.equals(now)) { // the same again: nothing to change on the interface
                i.device().readdress(next, now);
            }
        } catch (IOException e) {
            return CommandOutput.error(2, "Failed to reconfigure network: " + e.getMessage() + "\n");
        }
        instances.put(hash, new Instance(i.spec().readdressed(next), i.secrets(), i.device(), i.attached()));
        if (i.attached() != null) {
            i.attached().readdress(next);
        }
        change(hash, e -> e.withAddress(next.toString()), "The address of network " + idOf(hash));
        log.info("Configured " + i.device().name() + ". IP: " + next + " (set -ip; it was " + (now == null ? "none" : now) + ")");
        return CommandOutput.ok("Request for IP change was sent. No errors reported.\n");
    }

    /** Applies {@code live} to a running network joined to its peers and {@code saving} to its entry; false when none runs. */
    private boolean change(String hash, java.util.function.Consumer<Plane.Attached> live,
            java.util.function.UnaryOperator<SaveFile.Entry> saving, String what) {
        Instance i = instances.get(hash);
        if (i == null || i.attached() == null) {
            return false;
        }
        live.accept(i.attached());
        SaveFile.Entry e = saved.get(hash);
        if (e != null) {
            resave(hash, saving.apply(e), what + idOf(hash));
        }
        return true;
    }

    /** Saves {@code changed} as the entry of {@code hash}; says when {@code what} would not survive a restart. Caller holds this. */
    private void resave(String hash, SaveFile.Entry changed, String what) {
        saved.put(hash, changed);
        String problem = persist();
        if (problem != null) {
            log.warn(what + " will not survive a restart: " + problem);
        }
    }

    /** Queues the keys added at run time, as saved, behind the network's own, and refuses the members revoked. Caller holds this. */
    private void addSavedKeys(String hash, Plane.Attached attached) {
        SaveFile.Entry e = saved.get(hash);
        if (e != null) {
            e.applyTo(attached, clock.instant().getEpochSecond());
        }
    }

    /** What every running network joined to its peers counted, in the order they were started. */
    synchronized List<io.subutai.p2p.api.NetworkCounters> counters() {
        return instances.values().stream().filter(i -> i.attached() != null).map(i -> i.attached().counted()).toList();
    }

    /** Every running network with its peers, in the order they were started. */
    synchronized List<NetworkSnapshot> snapshots() {
        List<NetworkSnapshot> out = new ArrayList<>(instances.size());
        for (Instance i : instances.values()) {
            out.add(i.snapshot(address(i), plane));
        }
        return out;
    }

    /** Writes the save file; returns what went wrong, or null. */
    private String persist() {
        return save == null ? null : save.writeOrSay(List.copyOf(saved.values()), saveUnreadable, log);
    }
}
