package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.MacAddress;
import io.subutai.p2p.core.internal.mesh.MeshLog;
import io.subutai.p2p.core.internal.mesh.TapSlot;
import io.subutai.p2p.spi.Availability;
import io.subutai.p2p.spi.TapDevice;
import io.subutai.p2p.spi.TapDriver;
import io.subutai.p2p.spi.TapSpec;

/**
 * The networks' TAP interfaces: opened with the driver in use, and handed from one TAP driver to
 * the next while their networks run: the old driver's
 * devices are released (the persistent kernel interfaces stay, with their addresses, routes and
 * bridges), and the next driver takes each over by name; until then each network waits, visibly.
 * Also the interfaces of networks stopped while no driver held them ("orphans"): the next
 * driver removes them, in this run or, kept in a file next to the save file, in the next.
 * One handover at a time; never under the lock of {@link Networks}.
 */
final class Interfaces {

    /** A running network's interface; {@code networkId} is the network's name in the log. */
    record Held(String hash, String networkId, TapSlot slot) {
    }

    private final String driverName;
    private final int mtu;
    private final MeshLog log;
    private final RandomGenerator random;
    private final Swaps swaps;
    private final Path orphanFile; // null: orphans are kept for this run only

    private final Object handover = new Object(); // one handover at a time
    // guarded by this
    private TapDriver inUse;
    private String inUseOrigin = "";
    private Swaps.Swap pending; // the swap that waits for a driver to take the interfaces over
    private final Set<String> orphans = new LinkedHashSet<>();

    Interfaces(String driverName, int mtu, MeshLog log, RandomGenerator random, Swaps swaps, Path orphanFile) {
        this.driverName = driverName;
        this.mtu = mtu;
        this.log = log;
        this.random = random;
        this.swaps = swaps;
        this.orphanFile = orphanFile;
        if (orphanFile != null) {
            try {
                for (String line : Files.readAllLines(orphanFile, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        orphans.add(line.strip());
                    }
                }
            } catch (NoSuchFileException e) {
                // none
            } catch (IOException e) {
                log.warn("Cannot read " + orphanFile + ": " + e.getMessage());
            }
        }
    }

    /**
     * The TAP driver to use is now {@code next} (null: none is there): see the class. A takeover
     * that fails leaves its network waiting for the next driver. Runs on the engine's thread, or
     * in the unbinding of the old driver, while its devices still work.
     *
     * @param running the networks running now (closed slots are skipped)
     * @param origin  the bundle {@code next} comes from, for the record
     */
    void driverChanged(TapDriver next, String origin, long nowNanos, java.util.function.Supplier<List<Held>> running) {
        synchronized (handover) {
            handOver(next, origin, nowNanos, running);
        }
    }

    private void handOver(TapDriver next, String origin, long nowNanos, java.util.function.Supplier<List<Held>> networks) {
        List<Held> running = networks.get();
        Swaps.Swap swap;
        synchronized (this) {
            if (next == inUse) {
                return;
            }
            if (pending == null && inUse != null && !running.isEmpty()) {
                List<String> hashes = new ArrayList<>();
                List<String> ids = new ArrayList<>();
                running.forEach(h -> {
                    hashes.add(h.hash());
                    ids.add(h.networkId());
                });
                pending = swaps.begin("tap", driverName, inUseOrigin, hashes, ids);
            }
            swap = pending;
            inUse = next;
            inUseOrigin = origin;
        }
        String why = "waiting for the TAP driver '" + driverName + "' to take the interface over";
        for (Held h : running) {
            try {
                h.slot().release(why, nowNanos);
            } catch (IOException | RuntimeException | LinkageError e) {
                log.warn("Handing over " + h.slot().name() + ": " + e);
            }
        }
        if (next == null) {
            if (!running.isEmpty()) {
                log.info("The TAP driver '" + driverName + "' went away: " + running.size()
                        + " networks keep their interfaces and wait for it");
            }
            return;
        }
        long worst = 0;
        int taken = 0;
        List<String> failed = new ArrayList<>();
        for (Held h : running) {
            TapSlot slot = h.slot();
            if (slot.attached() || slot.closed()) {
                continue; // held already, or stopped meanwhile (its interface is an orphan then)
            }
            try {
                long gap = takeOver(next, slot);
                worst = Math.max(worst, gap);
                taken++;
                log.info("Interface " + slot.name() + " of network " + h.networkId() + " taken over by the TAP driver '" + driverName
                        + "' (" + origin + ") after " + gap / 1_000_000 + " ms");
            } catch (IOException | RuntimeException | LinkageError e) {
                String problem = "the TAP driver '" + driverName + "' (" + origin + ") could not take " + slot.name()
                        + " over: " + e.getMessage() + "; waiting for another";
                slot.stillWaiting(problem);
                failed.add(slot.name());
                log.warn("Network " + h.networkId() + ": " + problem);
            }
        }
        removeOrphans(next);
        if (swap != null) {
            synchronized (this) {
                if (pending == swap && failed.isEmpty()) {
                    pending = null;
                }
            }
            swaps.end(swap, origin, failed.isEmpty() ? worst / 1_000_000 : -1, failed.isEmpty()
                    ? "interfaces taken over: " + taken : "waiting: not taken over: " + String.join(", ", failed));
        }
    }

    /**
     * {@code driver} opens the interface of {@code slot} by name, as it is, and the slot goes on
     * with it; an address given meanwhile is set on the new device.
     *
     * @return how long no device held the interface, in nanoseconds
     */
    private static long takeOver(TapDriver driver, TapSlot slot) throws IOException {
        Ipv4Cidr address = slot.address();
        TapDevice d = driver.open(new TapSpec(slot.name(), slot.mac(), slot.mtu(), address, true));
        try {
            return slot.attach(d, System.nanoTime(), address);
        } catch (IOException | RuntimeException e) {
            if (slot.closed()) {
                d.close(); // stopped meanwhile: its interface goes
            } else {
                d.release(); // the interface stays for another try
            }
            throw e;
        }
    }

    /**
     * Opens a network's interface with {@code d}: its own name, or the first free {@code vptpN};
     * {@code adopt}: an interface of its name that nobody holds (a crashed daemon's) is taken
     * over rather than refused. A stopped network's interface of that name is removed first.
     *
     * @throws IOException with the original's words, naming the driver
     */
    TapSlot open(TapDriver d, NetworkSpec spec, boolean adopt) throws IOException {
        if (d == null) {
            throw new IOException("Failed to configure interface: Failed to initialize TAP: the TAP driver '"
                    + driverName + "' is not installed");
        }
        Availability a;
        try {
            a = d.availability();
        } catch (RuntimeException | LinkageError e) {
            throw new IOException("Failed to initialize TAP: the TAP driver '" + driverName + "' failed: " + e);
        }
        if (!a.available()) {
            throw new IOException("Failed to initialize TAP: the TAP driver '" + driverName + "' cannot work here: "
                    + a.reason());
        }
        MacAddress mac = spec.mac() != null ? spec.mac() : MacAddress.randomLocal(random);
        if (spec.dev() != null) {
            reclaim(d, spec.dev());
        }
        TapDevice device;
        try {
            device = d.open(new TapSpec(spec.dev() != null ? spec.dev() : "vptp%d", mac, mtu, spec.address(),
                    adopt && spec.dev() != null));
        } catch (RuntimeException | LinkageError e) {
            throw new IOException("Failed to initialize TAP: the TAP driver '" + driverName + "' failed: " + e);
        }
        try {
            return new TapSlot(device, spec.address());
        } catch (IOException e) {
            device.close();
            throw e;
        }
    }

    /**
     * The interface of a network that stopped while no driver held it: the next driver removes
     * it. Called under the lock of {@link Networks}, so it only writes it down.
     */
    void orphaned(String name) {
        synchronized (this) {
            orphans.add(name);
            persistOrphans();
        }
        log.info("The interface " + name + " stays until a TAP driver comes to remove it");
    }

    /** Removes an orphan of this name now (a network is about to be started on it). */
    private void reclaim(TapDriver driver, String name) {
        synchronized (this) {
            if (!orphans.remove(name)) {
                return;
            }
            persistOrphans();
        }
        remove(driver, name);
    }

    private void removeOrphans(TapDriver driver) {
        List<String> names;
        synchronized (this) {
            names = List.copyOf(orphans);
            orphans.clear();
            persistOrphans();
        }
        for (String name : names) {
            remove(driver, name);
        }
    }

    private void remove(TapDriver driver, String name) {
        try {
            driver.open(new TapSpec(name, MacAddress.randomLocal(random), mtu, null, true)).close();
            log.info("Removed the interface " + name + " of a network stopped while no TAP driver held it");
        } catch (IOException | RuntimeException | LinkageError e) {
            log.warn("Cannot remove the interface " + name + ": " + e.getMessage());
        }
    }

    /** Writes the orphans down, for the next daemon if this one stops first. Caller holds this. */
    private void persistOrphans() {
        if (orphanFile == null) {
            return;
        }
        try {
            if (orphans.isEmpty()) {
                Files.deleteIfExists(orphanFile);
                return;
            }
            Path tmp = orphanFile.resolveSibling(orphanFile.getFileName() + ".tmp");
            Files.write(tmp, orphans, StandardCharsets.UTF_8);
            Files.move(tmp, orphanFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("Cannot write " + orphanFile + ": " + e.getMessage() + "; interfaces of networks stopped while no "
                    + "TAP driver held them may outlive a restart");
        }
    }
}
