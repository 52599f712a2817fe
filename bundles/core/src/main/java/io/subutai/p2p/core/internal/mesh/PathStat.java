package io.subutai.p2p.core.internal.mesh;

/** One way to a peer: what probes on it found (the control loop probes, the receive thread records answers). */
final class PathStat {

    /** Smoothed round-trip time of probes, in nanoseconds; -1 until one was answered. */
    volatile long rtt = -1;
    /** When a probe by this path was last answered (or the path was first heard from). */
    volatile long lastHeard;
    volatile int probeId;
    volatile long probeSent;
    /** The probe before (an answer to it still counts: a round trip may be longer than the probe interval). */
    volatile int previousProbeId;
    volatile long previousProbeSent;
    /** When the first probe since the last answer went out; 0 while answered. */
    volatile long unansweredSince;

    /** Heard within {@code dead}, and no probe unanswered for longer than {@code failover}. */
    boolean heard(long now, long dead, long failover) {
        long u = unansweredSince;
        return now - lastHeard < dead && (u == 0 || now - u < failover);
    }

    /** {@link #heard}, and measured. */
    boolean live(long now, long dead, long failover) {
        return rtt >= 0 && heard(now, dead, failover);
    }

    /** A probe {@code id} goes out by this path now. */
    void probed(int id, long now) {
        previousProbeId = probeId;
        previousProbeSent = probeSent;
        probeId = id;
        probeSent = now;
        if (unansweredSince == 0) {
            unansweredSince = now;
        }
    }

    /** The answer to probe {@code id} came at {@code now}: true when it was one of this path's (each counts once). */
    boolean answered(int id, long now) {
        long sent = probeId == id ? probeSent : previousProbeId == id ? previousProbeSent : 0;
        if (sent == 0) {
            return false;
        }
        long sample = now - sent;
        rtt = rtt < 0 ? sample : (7 * rtt + sample) / 8;
        if (probeId == id) {
            probeSent = 0;
        } else {
            previousProbeSent = 0;
        }
        lastHeard = now;
        unansweredSince = 0;
        return true;
    }
}
