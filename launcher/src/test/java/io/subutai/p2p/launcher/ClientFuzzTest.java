package io.subutai.p2p.launcher;

import java.io.IOException;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The client's reading of the daemon's replies on arbitrary bytes: a reply or an IOException
 * (which the client reports in one line), never another exception.
 */
class ClientFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void repliesDecodeOrAreRefused(byte[] input) {
        try {
            Client.Reply r = Client.decode(input);
            if (r.out() == null || r.err() == null || r.code() < 0) {
                throw new AssertionError("incomplete reply accepted: " + r);
            }
        } catch (IOException expected) {
            // reported to the user as "not p2p's answer"
        }
    }
}
