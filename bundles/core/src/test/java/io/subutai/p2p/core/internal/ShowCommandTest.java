package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.ShowRequest;

class ShowCommandTest {

    private static final List<NetworkInfo> TWO = List.of(
            new NetworkInfo("alpha", "06:28:48:b4:b9:d5", "10.10.10.1", 24, "vptp1"),
            new NetworkInfo("beta", "06:00:00:00:00:01", "10.20.0.1", 16, "vptp2"));

    private static final List<String> HISTORY = List.of("vptp1", "vptp2", "old0");

    @Test
    void defaultListIsMacIpHashPerLine() {
        assertEquals(CommandOutput.ok("06:28:48:b4:b9:d5\t10.10.10.1\talpha\n06:00:00:00:00:01\t10.20.0.1\tbeta\n"),
                ShowCommand.render(ShowRequest.networks(), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok(""), ShowCommand.render(ShowRequest.networks(), List.of(), List.of(), 1500));
    }

    @Test
    void unknownHashIsExit15() {
        CommandOutput out = ShowCommand.render(new ShowRequest("nope", "", false, false, false, false), TWO, HISTORY, 1500);
        assertEquals(15, out.code());
        assertEquals("Specified environment was not found\n", out.err());
        assertEquals(15, ShowCommand.render(new ShowRequest("nope", "10.10.10.2", false, false, false, false), TWO, HISTORY, 1500).code());
    }

    @Test
    void knownHashPrintsHeaderAndCheckWithoutPeersIsNotIntegrated() {
        assertEquals(CommandOutput.ok("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n"),
                ShowCommand.render(new ShowRequest("alpha", "", false, false, false, false), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.error(12, "Not yet integrated with 10.10.10.2\n"),
                ShowCommand.render(new ShowRequest("alpha", "10.10.10.2", false, false, false, false), TWO, HISTORY, 1500));
    }

    @Test
    void interfacesBindAndMtu() {
        assertEquals(CommandOutput.ok("vptp1\nvptp2\n"),
                ShowCommand.render(new ShowRequest("", "", true, false, false, false), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok("alpha|vptp1\nbeta|vptp2\n"),
                ShowCommand.render(new ShowRequest("", "", true, false, true, false), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok("vptp1\nvptp2\nold0\n"),
                ShowCommand.render(new ShowRequest("", "", true, true, true, false), TWO, HISTORY, 1500),
                "-all lists every name used since the start, and wins over -bind");
        assertEquals(CommandOutput.ok("1400\n"),
                ShowCommand.render(new ShowRequest("", "", false, false, false, true), TWO, HISTORY, 1400));
    }

    @Test
    void statusListsNetworksAndPeerStatesAndJsonForOneNetwork() {
        java.util.function.Function<String, List<Networks.PeerView>> peers = hash -> hash.equals("alpha")
                ? List.of(new Networks.PeerView("9265262a-e8c8-11f1-ba00-221feea0ee6d", "10.10.10.2", "10.200.0.3:49501",
                        "06:5b:96:10:ce:78", io.subutai.p2p.api.PeerState.CONNECTED, "relay 198.18.1.1:6882"),
                        new Networks.PeerView("p2", null, null, null, io.subutai.p2p.api.PeerState.WAITING_CONNECTION, null))
                : List.of();
        assertEquals(CommandOutput.ok("alpha|10.10.10.1\n9265262a-e8c8-11f1-ba00-221feea0ee6d|10.10.10.2|State:CONNECTED"
                + "|Path:relay 198.18.1.1:6882|\n"
                + "p2|State:WAITING_CONNECTION|\nbeta|10.20.0.1\n").out().replace("p2|State", "p2||State"),
                ShowCommand.status("", TWO, peers).out());
        assertEquals("[\n\t{\n\t\t\"ip\": \"10.10.10.2\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"relay 198.18.1.1:6882\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"\",\n\t\t\"state\": \"WAITING_CONNECTION\"\n\t}\n]\n",
                ShowCommand.status("alpha", TWO, peers).out());
        assertEquals(CommandOutput.ok("[]\n"), ShowCommand.status("nope", TWO, peers));
    }
}
