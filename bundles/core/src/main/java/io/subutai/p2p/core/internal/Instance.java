package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.subutai.p2p.api.Ipv4Cidr;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.core.internal.mesh.TapSlot;

/**
 * A running network of {@link Networks}: its spec and secrets, its interface (held by whichever
 * TAP driver is in use, {@link TapSlot}), and its data plane once joined to its peers (null before).
 */
record Instance(NetworkSpec spec, NetworkSecrets secrets, TapSlot device, Plane.Attached attached) {

    /** @param address the address it has now (null: none yet) */
    NetworkInfo info(Ipv4Cidr address) {
        return new NetworkInfo(spec.request().hash(), device.mac().toString(), address == null ? "" : address.addressText(),
                address == null ? 0 : address.prefix(), device.name());
    }

    /**
     * The network and its peers as data, with what it waits for: its interface's driver, its
     * plane's plugins, or (not joined yet) what {@code plane} lacks.
     *
     * @param address the address it has now (null: none yet)
     * @param plane   the data plane networks join (null: none)
     */
    NetworkSnapshot snapshot(Ipv4Cidr address, Plane plane) {
        NetworkInfo info = info(address);
        NetworkSnapshot s = attached != null ? attached.snapshot(info) : new NetworkSnapshot(info.hash(),
                info.interfaceName(), info.mac(), info.ip(), info.prefix(), null, 0, spec.request().fwd(), List.of(),
                List.of(), List.of(), List.of()); // not joined to its peers yet
        List<String> waiting = new ArrayList<>();
        if (!device.attached()) {
            waiting.add(device.waiting());
        }
        waiting.addAll(s.waiting());
        if (attached == null && plane != null) {
            waiting.add(plane.missing(spec));
        }
        return waiting.isEmpty() ? s : s.waitingFor(waiting);
    }

    /** Leaves the peers and closes the interface; one its driver left behind is remembered as orphaned in {@code interfaces}. */
    void close(Interfaces interfaces, io.subutai.p2p.core.internal.mesh.MeshLog log) {
        if (attached != null) {
            try {
                attached.close();
            } catch (RuntimeException e) {
                log.warn("Leaving network " + secrets.networkId() + ": " + e);
            }
        }
        try {
            device.close();
        } catch (IOException | RuntimeException e) {
            log.warn("Closing " + device.name() + ": " + e.getMessage());
        }
        if (device.orphaned()) {
            interfaces.orphaned(device.name());
        }
    }
}
