package io.subutai.p2p.core.internal.mesh;

import io.subutai.p2p.api.PeerSnapshot;

/** What was tried to reach a peer, for {@code debug}: written by the control loop only, read by any thread. */
final class Attempts {

    volatile int handshakes;
    volatile int punchRounds;
    /** Punch rounds and handshakes that also went to predicted ports. */
    volatile int predictedRounds;
    /** Probe rounds to predicted ports while the peer was reached through a relay. */
    volatile int predictedProbeRounds;

    PeerSnapshot.Attempts snapshot() {
        return new PeerSnapshot.Attempts(handshakes, punchRounds, predictedRounds, predictedProbeRounds);
    }
}
