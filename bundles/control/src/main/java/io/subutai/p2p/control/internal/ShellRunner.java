package io.subutai.p2p.control.internal;

import io.subutai.p2p.api.CommandOutput;

/** Runs one Gogo command line for a client session. */
@FunctionalInterface
interface ShellRunner {

    /**
     * @param session the client's session name (variables persist within it), or empty for a one-off
     * @param line    the command line
     */
    CommandOutput run(String session, String line);
}
