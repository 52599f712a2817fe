package io.subutai.p2p.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine as its clients see it: the control API, the Gogo commands and tests call this.
 * Command methods return a {@link CommandOutput}: the exact text a user sees and the exit code the
 * client ends with, so every front end prints the same thing.
 */
@ProviderType
public interface NetworkService {

    /** The product version, e.g. {@code 0.1.0}. */
    String version();

    /** The networks (instances) this daemon runs, in the order they were started. */
    List<NetworkInfo> networks();

    /** The MTU given to new TAP interfaces (daemon {@code -mtu} flag or config {@code mtu}). */
    int mtu();

    /** Every plugin registered now, by kind, best ranked first. */
    List<PluginInfo> plugins();

    /**
     * The {@code show} command, with the original tool's output formats and exit codes; with
     * {@code json} the networks (as {@link NetworkInfo}s), or with {@code hash} that network's
     * {@link NetworkSnapshot}, in JSON.
     */
    CommandOutput show(ShowRequest request);

    /**
     * The {@code start} command: creates a network instance with its own TAP interface and keeps it
     * in the save file. Output and exit codes as the original's (reference §1.4).
     */
    CommandOutput start(StartRequest request);

    /** The {@code stop} command: removes an instance, its interface and its save-file entry. */
    CommandOutput stop(StopRequest request);

    /**
     * The {@code status} command: every network and the state of each peer, or with {@code hash}
     * the peers of that network in the original's JSON (reference §1.7); with {@code json}, the
     * networks with their peers as {@link NetworkSnapshot}s in JSON (only that network's with
     * {@code hash}).
     */
    CommandOutput status(String hash, boolean json);

    /** {@link #status(String, boolean)} as text. */
    default CommandOutput status(String hash) {
        return status(hash, false);
    }

    /** The {@code set} command: the log level, or a key added to a network's key queue (reference §1.8). */
    CommandOutput set(SetRequest request);

    /**
     * The {@code debug} command: the daemon's state for troubleshooting, in the shape of the
     * original's (reference §2.3): for every network its servers and relays, and for every peer
     * its state, the path in use and its kind, every path with its round-trip time, and the
     * attempts made to reach it; with {@code json}, the {@link #snapshot()} in JSON.
     */
    CommandOutput debug(boolean json);

    /** {@link #debug(boolean)} as text. */
    default CommandOutput debug() {
        return debug(false);
    }

    /**
     * The daemon, its networks and their peers as data: what {@code show}, {@code status} and
     * {@code debug} render.
     */
    DaemonSnapshot snapshot();

    /**
     * What every running network has counted (traffic by path kind, peers by state, handshakes,
     * drops by reason), for metrics; a network not joined to its peers yet counts nothing.
     *
     * @since 1.8
     */
    List<NetworkCounters> counters();
}
