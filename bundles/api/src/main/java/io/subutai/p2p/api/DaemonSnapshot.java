package io.subutai.p2p.api;

import java.util.List;

/**
 * The daemon and every network it runs, at one moment: what {@code show}, {@code status} and
 * {@code debug} report.
 *
 * @param version       the product version
 * @param uptimeSeconds seconds since the engine started
 * @param threads       live threads in the daemon's JVM (an estimate, as {@link Thread#activeCount()})
 * @param pmtu          whether PMTU emulation is on
 * @param networks      the running networks, in the order they were started
 * @param swaps         the plugins swapped under running networks since the daemon started, oldest first
 */
public record DaemonSnapshot(String version, long uptimeSeconds, int threads, boolean pmtu,
        List<NetworkSnapshot> networks, List<PluginSwap> swaps) {

    public DaemonSnapshot(String version, long uptimeSeconds, int threads, boolean pmtu, List<NetworkSnapshot> networks) {
        this(version, uptimeSeconds, threads, pmtu, networks, List.of());
    }

    public DaemonSnapshot {
        networks = List.copyOf(networks);
        swaps = swaps == null ? List.of() : List.copyOf(swaps);
    }
}
