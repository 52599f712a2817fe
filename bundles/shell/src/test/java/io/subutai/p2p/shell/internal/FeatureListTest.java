package io.subutai.p2p.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.FeatureInfo;

class FeatureListTest {

    @Test
    void eachNameShowsTheVersionInstalledAndTheVersionsOfferedNewestFirst() {
        String out = P2pCommands.featureList(List.of(
                new FeatureInfo("p2p-x", "1.0.0", "extras", "An extra", true, List.of(), "1.0.0", List.of("1.1.0", "1.0.0")),
                new FeatureInfo("p2p-y", "2.0", "extras", "", false, List.of(), "", List.of("2.0", "1.0")),
                new FeatureInfo("p2p-daemon", "0.1.0", "p2p", "The daemon", true, List.of())));
        assertEquals("[installed 1.0.0]  p2p-x  (available: 1.1.0, 1.0.0)\textras\tAn extra\n"
                + "[available]  p2p-y  (available: 2.0, 1.0)\textras\t\n"
                + "[installed 0.1.0]  p2p-daemon  (available: 0.1.0)\tp2p\tThe daemon\n", out);
    }
}
