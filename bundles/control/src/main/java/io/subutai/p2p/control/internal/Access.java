package io.subutai.p2p.control.internal;

/** What a caller of the control API may run. */
enum Access {
    /** Every command: root (the daemon's own user), or a TCP client that proved the token. */
    ALL,
    /** The commands that change nothing: show, status, debug, version (members of the rpc group). */
    READ_ONLY,
    /** Nothing. */
    NONE
}
