package io.subutai.p2p.core.internal.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.DaemonSnapshot;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.api.ShowRequest;

class RendererTest {

    private static final List<NetworkInfo> TWO = List.of(
            new NetworkInfo("alpha", "06:28:48:b4:b9:d5", "10.10.10.1", 24, "vptp1"),
            new NetworkInfo("beta", "06:00:00:00:00:01", "10.20.0.1", 16, "vptp2"));

    private static final List<String> HISTORY = List.of("vptp1", "vptp2", "old0");
    private static final ShowRequest JSON = new ShowRequest("", "", false, false, false, false, true);

    @Test
    void defaultListIsMacIpHashPerLine() {
        assertEquals(CommandOutput.ok("06:28:48:b4:b9:d5\t10.10.10.1\talpha\n06:00:00:00:00:01\t10.20.0.1\tbeta\n"),
                show(ShowRequest.networks(), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok(""), show(ShowRequest.networks(), List.of(), List.of(), 1500));
    }

    @Test
    void unknownHashIsExit15() {
        CommandOutput out = show(new ShowRequest("nope", "", false, false, false, false), TWO, HISTORY, 1500);
        assertEquals(15, out.code());
        assertEquals("Specified environment was not found\n", out.err());
        assertEquals(15, show(new ShowRequest("nope", "10.10.10.2", false, false, false, false), TWO, HISTORY, 1500).code());
    }

    @Test
    void knownHashPrintsHeaderAndCheckWithoutPeersIsNotIntegrated() {
        assertEquals(CommandOutput.ok("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n"),
                show(new ShowRequest("alpha", "", false, false, false, false), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.error(12, "Not yet integrated with 10.10.10.2\n"),
                show(new ShowRequest("alpha", "10.10.10.2", false, false, false, false), TWO, HISTORY, 1500));
    }

    @Test
    void interfacesBindAndMtu() {
        assertEquals(CommandOutput.ok("vptp1\nvptp2\n"),
                show(new ShowRequest("", "", true, false, false, false), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok("alpha|vptp1\nbeta|vptp2\n"),
                show(new ShowRequest("", "", true, false, true, false), TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok("vptp1\nvptp2\nold0\n"),
                show(new ShowRequest("", "", true, true, true, false), TWO, HISTORY, 1500),
                "-all lists every name used since the start, and wins over -bind");
        assertEquals(CommandOutput.ok("1400\n"),
                show(new ShowRequest("", "", false, false, false, true), TWO, HISTORY, 1400));
    }

    @Test
    void statusListsNetworksAndPeerStatesAndJsonForOneNetwork() {
        DaemonSnapshot peers = daemon(List.of(new PeerSnapshot("9265262a-e8c8-11f1-ba00-221feea0ee6d", PeerState.CONNECTED,
                "10.10.10.2", "06:5b:96:10:ce:78", "10.200.0.3:49501",
                new PathSnapshot("10.200.0.3:49501", PathKind.RELAY, "198.18.1.1:6882", 900), List.of(), List.of(),
                new PeerSnapshot.Attempts(1, 0, 0, 0), List.of()), peer("p2", PeerState.WAITING_CONNECTION)));
        assertEquals(CommandOutput.ok("alpha|10.10.10.1\n9265262a-e8c8-11f1-ba00-221feea0ee6d|10.10.10.2|State:CONNECTED"
                + "|Path:relay 198.18.1.1:6882|\n"
                + "p2|State:WAITING_CONNECTION|\nbeta|10.20.0.1\n").out().replace("p2|State", "p2||State"),
                Renderer.status("", false, peers).out());
        assertEquals("[\n\t{\n\t\t\"ip\": \"10.10.10.2\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"relay 198.18.1.1:6882\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"\",\n\t\t\"state\": \"WAITING_CONNECTION\"\n\t}\n]\n",
                Renderer.status("alpha", false, peers).out());
        assertEquals(CommandOutput.ok("[]\n"), Renderer.status("nope", false, peers));
    }

    @Test
    void showJsonListsTheNetworksIndentedWithAFinalNewline() {
        assertEquals(CommandOutput.ok("[\n"
                + "  {\n"
                + "    \"hash\": \"alpha\",\n"
                + "    \"mac\": \"06:28:48:b4:b9:d5\",\n"
                + "    \"ip\": \"10.10.10.1\",\n"
                + "    \"prefix\": 24,\n"
                + "    \"interfaceName\": \"vptp1\"\n"
                + "  },\n"
                + "  {\n"
                + "    \"hash\": \"beta\",\n"
                + "    \"mac\": \"06:00:00:00:00:01\",\n"
                + "    \"ip\": \"10.20.0.1\",\n"
                + "    \"prefix\": 16,\n"
                + "    \"interfaceName\": \"vptp2\"\n"
                + "  }\n"
                + "]\n"), show(JSON, TWO, HISTORY, 1500));
        assertEquals(CommandOutput.ok("[]\n"), show(JSON, List.of(), List.of(), 1500));
    }

    @Test
    void showHashJsonIsTheNetworkWithItsPeersAndUnknownHashesStillExit15() throws Exception {
        DaemonSnapshot d = daemon(List.of(peer("p2", PeerState.WAITING_CONNECTION)));
        CommandOutput out = Renderer.show(new ShowRequest("alpha", "", false, false, false, false, true), d, HISTORY, 1500);
        JsonNode alpha = new ObjectMapper().readTree(out.out());
        assertEquals("alpha", alpha.get("hash").asText());
        assertEquals("vptp1", alpha.get("interfaceName").asText());
        assertEquals(24, alpha.get("prefix").asInt());
        assertEquals("p2", alpha.get("peers").get(0).get("id").asText());
        assertEquals("WAITING_CONNECTION", alpha.get("peers").get(0).get("state").asText());
        assertTrue(out.out().startsWith("{\n  \"hash\": \"alpha\",\n") && out.out().endsWith("\n}\n"), out.out());
        assertEquals(CommandOutput.error(15, "Specified environment was not found\n"),
                Renderer.show(new ShowRequest("nope", "", false, false, false, false, true), d, HISTORY, 1500));
    }

    @Test
    void showJsonDoesNotGoWithCheckInterfacesOrMtu() {
        for (ShowRequest r : List.of(new ShowRequest("alpha", "10.10.10.2", false, false, false, false, true),
                new ShowRequest("", "", true, false, false, false, true), new ShowRequest("", "", false, false, false, true, true))) {
            CommandOutput out = show(r, TWO, HISTORY, 1500);
            assertEquals(2, out.code(), r.toString());
            assertEquals("", out.out());
            assertTrue(out.err().startsWith("show -json prints the networks"), out.err());
        }
    }

    @Test
    void statusAndDebugJson() throws Exception {
        DaemonSnapshot d = daemon(List.of(peer("p2", PeerState.WAITING_CONNECTION)));
        ObjectMapper mapper = new ObjectMapper();
        JsonNode all = mapper.readTree(Renderer.status("", true, d).out());
        assertEquals(2, all.size());
        assertEquals("p2", all.get(0).get("peers").get(0).get("id").asText());
        JsonNode beta = mapper.readTree(Renderer.status("beta", true, d).out());
        assertEquals(1, beta.size(), "only that network");
        assertEquals("beta", beta.get(0).get("hash").asText());
        assertEquals(0, beta.get(0).get("peers").size());
        assertEquals(CommandOutput.ok("[]\n"), Renderer.status("nope", true, d), "as the text form: no such network, no peers");
        JsonNode debug = mapper.readTree(Renderer.debug(true, d).out());
        assertEquals("1.2.3", debug.get("version").asText());
        assertEquals(61, debug.get("uptimeSeconds").asLong());
        assertEquals(20, debug.get("threads").asInt());
        assertFalse(debug.get("pmtu").asBoolean());
        assertEquals("self", debug.get("networks").get(0).get("peerId").asText());
        assertEquals(7000, debug.get("networks").get(0).get("udpPort").asInt());
        assertTrue(debug.get("networks").get(0).get("relays").isArray());
    }

    /** {@code show} of these networks, without peers. */
    private static CommandOutput show(ShowRequest request, List<NetworkInfo> networks, List<String> history, int mtu) {
        return Renderer.show(request, daemon(networks, List.of()), history, mtu);
    }

    /** {@link #TWO}, the first with these peers. */
    static DaemonSnapshot daemon(List<PeerSnapshot> alphaPeers) {
        return daemon(TWO, alphaPeers);
    }

    private static DaemonSnapshot daemon(List<NetworkInfo> networks, List<PeerSnapshot> firstPeers) {
        List<NetworkSnapshot> out = new java.util.ArrayList<>();
        for (NetworkInfo n : networks) {
            out.add(new NetworkSnapshot(n.hash(), n.interfaceName(), n.mac(), n.ip(), n.prefix(), "self", 7000, false,
                    List.of(), List.of(), List.of(), out.isEmpty() ? firstPeers : List.of()));
        }
        return new DaemonSnapshot("1.2.3", 61, 20, false, out);
    }

    /** A peer that is not connected and said nothing of itself yet. */
    static PeerSnapshot peer(String id, PeerState state) {
        return new PeerSnapshot(id, state, null, null, null, null, List.of(), List.of(), new PeerSnapshot.Attempts(0, 0, 0, 0),
                List.of());
    }
}
