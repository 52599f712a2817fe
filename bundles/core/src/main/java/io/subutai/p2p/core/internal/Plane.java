package io.subutai.p2p.core.internal;

import java.io.IOException;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.spi.TapDevice;

/** Joins a network's interface to its peers: the data plane ({@link DataPlane} in the daemon). */
interface Plane {

    /** Whether the plugins a network needs to reach its peers are there now. */
    boolean ready();

    /** What a network that is not joined to its peers waits for, in words. */
    default String missing(NetworkSpec spec) {
        return "waiting to be joined to its peers";
    }

    /**
     * @param secrets the network's secrets, stretched
     * @throws IOException when the network cannot be joined (no socket, no crypto suite); the
     *                     message says why
     */
    Attached attach(NetworkSpec spec, NetworkSecrets secrets, TapDevice device) throws IOException;

    /** A network joined to its peers; closing leaves it (and closes its interface). */
    interface Attached extends AutoCloseable {
        /** The network and its peers as data; {@code network} says what its interface is. */
        NetworkSnapshot snapshot(NetworkInfo network);

        /** Adds a key to the network's key queue: new handshakes use it when it becomes current. */
        void addKey(String key, long until);

        /** Refuses the member with this peer ID for good ({@code set -revoke}). */
        void revoke(String peerId);

        /** The ID of the peer that holds {@code address} in the network now, or null. */
        String holder(Ipv4Cidr address);

        /** The node's overlay address changed to {@code address} ({@code set -ip}; its interface has it): tell the peers. */
        void readdress(Ipv4Cidr address);

        /** What the network counted since it joined its peers (for metrics). */
        io.subutai.p2p.api.NetworkCounters counted();

        @Override
        void close();
    }
}
