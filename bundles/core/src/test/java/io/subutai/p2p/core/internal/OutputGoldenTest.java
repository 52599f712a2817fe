package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.subutai.p2p.api.CommandOutput;
import io.subutai.p2p.api.DaemonSnapshot;
import io.subutai.p2p.api.HistoryEntry;
import io.subutai.p2p.api.NetworkInfo;
import io.subutai.p2p.api.NetworkSnapshot;
import io.subutai.p2p.api.PathKind;
import io.subutai.p2p.api.PathSnapshot;
import io.subutai.p2p.api.PeerSnapshot;
import io.subutai.p2p.api.PeerState;
import io.subutai.p2p.api.PluginSwap;
import io.subutai.p2p.api.ShowRequest;
import io.subutai.p2p.core.internal.render.Renderer;

/**
 * The text of {@code show -hash}, {@code status}, {@code status -hash} and {@code debug}, byte for
 * byte, for peers in every shape a user meets: connected on a LAN, through a relay, without an
 * overlay IP yet, at IPv6 addresses, through a punched hole, disconnected; paths never answered,
 * history lines repeated; and a network without peers. The same peers in {@code -json}.
 */
class OutputGoldenTest {

    private static final List<NetworkInfo> NETWORKS = List.of(
            new NetworkInfo("alpha", "06:28:48:b4:b9:d5", "10.10.10.1", 24, "vptp1"),
            new NetworkInfo("beta", "06:00:00:00:00:01", "10.20.0.1", 16, "vptp2"));

    private static final String ID1 = "1b7bccc0-5da2-8684-5f60-2cf56ce56a31";
    private static final String ID2 = "354679fe-9099-20b3-0f95-a74b72852525";
    private static final String ID3 = "ff738ef1-731e-4e70-7443-88b5235c2c03";
    private static final String ID4 = "b96f950a-140a-9321-bffc-9dd7cb7a531d";
    private static final String ID5 = "eb0eb785-58fb-2de8-d3d1-6c9282b84132";
    private static final String ID6 = "d16f5538-3ad4-f313-c088-4e0423f98216";

    /** {@code debug}'s lines for the peers, in their order. */
    static final String PEERS = "\t--- " + ID1 + " ---\n"
            + "\tState: CONNECTED\n"
            + "\tCrypto suite: noise-ikpsk2-mlkem768\n"
            + "\tNetwork: 10.10.10.2 06:5b:96:10:ce:78\n"
            + "\tEndpoint: 192.168.1.20:7001 (lan)\n"
            + "\tAll Endpoints: 192.168.1.20:7001 [1.23 ms] [fd00:0:0:0:0:0:0:20]:7001 [-]\n"
            + "\tEndpoints pool: 192.168.1.20:7001 [fd00:0:0:0:0:0:0:20]:7001 203.0.113.9:40001 (mapped)\n"
            + "\tAttempts: 3 handshakes, 0 punch rounds (0 with predicted ports), 0 predicted probe rounds\n"
            + "\tHistory (UTC, latest last):\n"
            + "\t  12:00:01.250 handshake to 192.168.1.20:7001, [fd00::20]:7001, 203.0.113.9:40001 (x3, time of the last)\n"
            + "\t  12:00:01.300 connected via 192.168.1.20:7001 (lan)\n"
            + "\t--- End of " + ID1 + " ---\n"
            + "\t--- " + ID2 + " ---\n"
            + "\tState: CONNECTED\n"
            + "\tCrypto suite: noise-ikpsk2\n"
            + "\tNetwork: 10.10.10.3 (no MAC yet)\n"
            + "\tEndpoint: 198.18.1.1:40002 (relay 198.18.1.1:6882)\n"
            + "\tAll Endpoints: 198.18.1.1:40002 [20.00 ms] 203.0.113.7:41000 [-]\n"
            + "\tEndpoints pool: 10.0.5.7:7000 203.0.113.7:41000 (mapped) 198.18.1.1:40002 (mapped)\n"
            + "\tAttempts: 2 handshakes, 5 punch rounds (2 with predicted ports), 1 predicted probe rounds\n"
            + "\tHistory (UTC, latest last):\n"
            + "\t  23:59:58.001 punch packets to 203.0.113.7:41000 (+3 predicted) (x5, time of the last)\n"
            + "\t  23:59:59.999 connected via 198.18.1.1:40002 (relay 198.18.1.1:6882)\n"
            + "\t--- End of " + ID2 + " ---\n"
            + "\t--- " + ID3 + " ---\n"
            + "\tState: WAITING_CONNECTION\n"
            + "\tCrypto suite: none yet\n"
            + "\tNo IP assigned\n"
            + "\tEndpoint: none\n"
            + "\tAll Endpoints:\n"
            + "\tEndpoints pool: 198.51.100.9:7000\n"
            + "\tAttempts: 1 handshakes, 0 punch rounds (0 with predicted ports), 0 predicted probe rounds\n"
            + "\tHistory (UTC, latest last):\n"
            + "\t--- End of " + ID3 + " ---\n"
            + "\t--- " + ID4 + " ---\n"
            + "\tState: CONNECTED\n"
            + "\tCrypto suite: noise-ikpsk2\n"
            + "\tNetwork: 10.10.10.5 06:00:00:00:00:05\n"
            + "\tEndpoint: [2001:db8:0:0:0:0:0:5]:7005 (direct)\n"
            + "\tAll Endpoints: [2001:db8:0:0:0:0:0:5]:7005 [1.24 ms]\n"
            + "\tEndpoints pool: [2001:db8:0:0:0:0:0:5]:7005\n"
            + "\tAttempts: 0 handshakes, 0 punch rounds (0 with predicted ports), 0 predicted probe rounds\n"
            + "\tHistory (UTC, latest last):\n"
            + "\t--- End of " + ID4 + " ---\n"
            + "\t--- " + ID5 + " ---\n"
            + "\tState: CONNECTED\n"
            + "\tCrypto suite: noise-ikpsk2\n"
            + "\tNetwork: 10.10.10.6 06:00:00:00:00:06\n"
            + "\tEndpoint: 203.0.113.8:42000 (punched)\n"
            + "\tAll Endpoints: 203.0.113.8:42000 [5.00 ms]\n"
            + "\tEndpoints pool: 10.1.0.6:7000 203.0.113.8:42000 (mapped)\n"
            + "\tAttempts: 0 handshakes, 0 punch rounds (0 with predicted ports), 0 predicted probe rounds\n"
            + "\tHistory (UTC, latest last):\n"
            + "\t--- End of " + ID5 + " ---\n"
            + "\t--- " + ID6 + " ---\n"
            + "\tState: DISCONNECTED\n"
            + "\tCrypto suite: none yet\n"
            + "\tNetwork: 10.10.10.7 06:00:00:00:00:07\n"
            + "\tEndpoint: 192.168.1.30:7000\n"
            + "\tAll Endpoints: 192.168.1.30:7000 [0.80 ms]\n"
            + "\tEndpoints pool: 192.168.1.30:7000\n"
            + "\tAttempts: 0 handshakes, 0 punch rounds (0 with predicted ports), 0 predicted probe rounds\n"
            + "\tHistory (UTC, latest last):\n"
            + "\t  12:00:05.000 disconnected: nothing for 30 s\n"
            + "\t--- End of " + ID6 + " ---\n";

    /** {@code debug}'s lines for a network without peers, after its ID, with a discovery plugin's own lines. */
    static final String BETA = "UDP Port: 7002\n"
            + "Relay only (-fwd): yes\n"
            + "Bootstrap server 198.51.100.1:6881: answered 2 s ago, sees this node at 203.0.113.2:7002\n"
            + "NAT mapping: endpoint-independent (one public port for every destination)\n"
            + "Transports: none (direct paths only)\n"
            + "Proxies: No proxies in use\n"
            + "Peers:\n";

    @Test
    void showHashListsEveryPeerWithItsPath() {
        assertEquals(CommandOutput.ok("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n"
                + ID1 + "\t10.10.10.2\t192.168.1.20:7001\t06:5b:96:10:ce:78\tlan\n"
                + ID2 + "\t10.10.10.3\t198.18.1.1:40002\t\trelay 198.18.1.1:6882\n"
                + ID3 + "\t<nil>\t<nil>\t\t-\n"
                + ID4 + "\t10.10.10.5\t[2001:db8:0:0:0:0:0:5]:7005\t06:00:00:00:00:05\tdirect\n"
                + ID5 + "\t10.10.10.6\t203.0.113.8:42000\t06:00:00:00:00:06\tpunched\n"
                + ID6 + "\t10.10.10.7\t192.168.1.30:7000\t06:00:00:00:00:07\t-\n"),
                show(new ShowRequest("alpha", "", false, false, false, false)));
    }

    @Test
    void showHashOfANetworkWithoutPeersIsTheHeader() {
        assertEquals(CommandOutput.ok("< Peer ID >\t< IP >\t< Endpoint >\t< HW >\t< Path >\n"),
                show(new ShowRequest("beta", "", false, false, false, false)));
    }

    @Test
    void statusListsNetworksAndPeers() {
        assertEquals(CommandOutput.ok("alpha|10.10.10.1\n"
                + ID1 + "|10.10.10.2|State:CONNECTED|Path:lan|\n"
                + ID2 + "|10.10.10.3|State:CONNECTED|Path:relay 198.18.1.1:6882|\n"
                + ID3 + "||State:WAITING_CONNECTION|\n"
                + ID4 + "|10.10.10.5|State:CONNECTED|Path:direct|\n"
                + ID5 + "|10.10.10.6|State:CONNECTED|Path:punched|\n"
                + ID6 + "|10.10.10.7|State:DISCONNECTED|\n"
                + "beta|10.20.0.1\n"), status(""));
    }

    @Test
    void statusHashIsTheOriginalsJsonWithAndWithoutPath() {
        assertEquals(CommandOutput.ok("[\n"
                + "\t{\n\t\t\"ip\": \"10.10.10.2\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"lan\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"10.10.10.3\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"relay 198.18.1.1:6882\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"\",\n\t\t\"state\": \"WAITING_CONNECTION\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"10.10.10.5\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"direct\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"10.10.10.6\",\n\t\t\"state\": \"CONNECTED\",\n\t\t\"path\": \"punched\"\n\t},\n"
                + "\t{\n\t\t\"ip\": \"10.10.10.7\",\n\t\t\"state\": \"DISCONNECTED\"\n\t}\n"
                + "]\n"), status("alpha"));
        assertEquals(CommandOutput.ok("[]\n"), status("beta"));
    }

    @Test
    void debugDescribesEveryPeer() {
        assertEquals(PEERS, String.join("\n", peerBlocks()) + "\n");
    }

    @Test
    void debugOfTheDaemonItsNetworksAndTheirPeers() {
        NetworkSnapshot gamma = new NetworkSnapshot("gamma", "vptp3", "06:00:00:00:00:03", "", 0, null, 0, false, List.of(),
                List.of(), List.of(), List.of(), List.of("waiting for the TAP driver 'linux' to take the interface over",
                "waiting for the UDP socket provider 'udp' (bundle io.subutai.p2p.transport.udp)"));
        List<PluginSwap> swaps = List.of(
                new PluginSwap(1_894_708_800_000L, "tap", "linux", "io.subutai.p2p.tap.linux 1.0.0",
                        "io.subutai.p2p.tap.linux 1.1.0", List.of("alpha", "beta"), 12, "interfaces taken over: 2"),
                new PluginSwap(1_894_708_801_500L, "crypto", "noise-ikpsk2", "io.subutai.p2p.crypto 1.0.0",
                        "io.subutai.p2p.crypto 1.0.1", List.of("alpha"), 0, "alpha: sessions renewed: 4 peers in 38 ms"),
                new PluginSwap(1_894_708_802_000L, "socket", "udp", "io.subutai.p2p.transport.udp 1.0.0", "",
                        List.of("gamma"), -1, "waiting for a successor"));
        assertEquals(CommandOutput.ok("Version: 1.2.3\n"
                + "Uptime: 1 h 2 m 3 s\n"
                + "Number of threads: 42\n"
                + "PMTU: Disabled\n"
                + "Instances information:\n"
                + "Hash: alpha\n"
                + "P2P Interface vptp1, HW Addr: 06:28:48:b4:b9:d5, IP: 10.10.10.1\n"
                + "ID: 0c6b8e1c-1d5e-4b8e-9a3f-6f1d2c3b4a59\n"
                + "UDP Port: 7001\n"
                + "Relay only (-fwd): no\n"
                + "Bootstrap server 198.51.100.1:6881: answered 1 s ago, sees this node at 203.0.113.1:7001\n"
                + "Transports: holepunch, proxy\n"
                + "Proxies: 198.18.1.1:6882/40001 198.18.1.2:6882/40007\n"
                + "Peers:\n"
                + PEERS
                + "Hash: beta\n"
                + "P2P Interface vptp2, HW Addr: 06:00:00:00:00:01, IP: 10.20.0.1\n"
                + "ID: 7d7e1c2a-0000-4000-8000-000000000002\n"
                + BETA
                + "Hash: gamma\n"
                + "P2P Interface vptp3, HW Addr: 06:00:00:00:00:03, IP: \n"
                + "Waiting: waiting for the TAP driver 'linux' to take the interface over\n"
                + "Waiting: waiting for the UDP socket provider 'udp' (bundle io.subutai.p2p.transport.udp)\n"
                + "Not joined to its peers yet\n"
                + "Plugin swaps (UTC, latest last):\n"
                + "\t12:00:00.000 tap 'linux' io.subutai.p2p.tap.linux 1.0.0 -> io.subutai.p2p.tap.linux 1.1.0, networks alpha, beta:"
                + " traffic gap 12 ms; interfaces taken over: 2\n"
                + "\t12:00:01.500 crypto 'noise-ikpsk2' io.subutai.p2p.crypto 1.0.0 -> io.subutai.p2p.crypto 1.0.1, networks alpha:"
                + " traffic gap 0 ms; alpha: sessions renewed: 4 peers in 38 ms\n"
                + "\t12:00:02.000 socket 'udp' io.subutai.p2p.transport.udp 1.0.0 -> (none yet), networks gamma:"
                + " waiting for a successor\n"),
                Renderer.debug(false, new DaemonSnapshot("1.2.3", 3723, 42, false, List.of(alpha(), beta(), gamma), swaps)));
    }

    @Test
    void jsonIsTheSnapshotOfEveryPeer() throws Exception {
        CommandOutput out = Renderer.status("", true, new DaemonSnapshot("1.2.3", 3723, 42, false, List.of(alpha(), beta())));
        assertEquals(0, out.code());
        assertTrue(out.out().endsWith("]\n") && out.err().isEmpty(), out.out());
        JsonNode networks = new ObjectMapper().readTree(out.out());
        assertEquals(List.of("alpha", "beta"), List.of(networks.get(0).get("hash").asText(), networks.get(1).get("hash").asText()));
        JsonNode peers = networks.get(0).get("peers");
        assertEquals(6, peers.size());

        JsonNode lan = peers.get(0);
        assertEquals(ID1, lan.get("id").asText());
        assertEquals("CONNECTED", lan.get("state").asText());
        assertEquals("192.168.1.20:7001", lan.get("endpoint").asText());
        assertEquals("LAN", lan.get("path").get("kind").asText());
        assertEquals(1234, lan.get("path").get("rttMicros").asLong(), "1.234999 ms, in whole microseconds");
        assertTrue(lan.get("path").get("relay").isNull());
        assertEquals("[fd00:0:0:0:0:0:0:20]:7001", lan.get("paths").get(1).get("endpoint").asText());
        assertEquals(-1, lan.get("paths").get(1).get("rttMicros").asLong(), "never answered");
        assertEquals("203.0.113.9:40001", lan.get("candidates").get(2).get("endpoint").asText());
        assertTrue(lan.get("candidates").get(2).get("mapped").asBoolean());
        assertFalse(lan.get("candidates").get(0).get("mapped").asBoolean());
        assertEquals(3, lan.get("attempts").get("handshakes").asInt());
        JsonNode handshakes = lan.get("history").get(0);
        assertEquals("2030-01-15T12:00:01.250Z", handshakes.get("at").asText());
        assertEquals("handshake to 192.168.1.20:7001, [fd00::20]:7001, 203.0.113.9:40001", handshakes.get("what").asText());
        assertEquals(3, handshakes.get("times").asInt());

        JsonNode relayed = peers.get(1);
        assertEquals("RELAY", relayed.get("path").get("kind").asText());
        assertEquals("198.18.1.1:6882", relayed.get("path").get("relay").asText());
        assertEquals("198.18.1.1:40002", relayed.get("path").get("endpoint").asText());
        assertEquals(20_000, relayed.get("path").get("rttMicros").asLong());
        assertTrue(relayed.get("mac").isNull());
        assertEquals(5, relayed.get("attempts").get("punchRounds").asInt());
        assertEquals("2030-01-14T23:59:59.999Z", relayed.get("history").get(1).get("at").asText());

        JsonNode waiting = peers.get(2);
        assertEquals("WAITING_CONNECTION", waiting.get("state").asText());
        assertTrue(waiting.get("ip").isNull() && waiting.get("endpoint").isNull() && waiting.get("path").isNull());
        assertEquals(0, waiting.get("paths").size());
        assertEquals(List.of("DIRECT", "PUNCHED"), List.of(peers.get(3).get("path").get("kind").asText(),
                peers.get(4).get("path").get("kind").asText()));
        assertTrue(peers.get(5).get("path").isNull(), "disconnected: no path in use");
        assertEquals("LAN", peers.get(5).get("paths").get(0).get("kind").asText(), "but its paths keep their kind");
    }

    // ---- how the text is made: snapshots of the peers, rendered ----

    private CommandOutput show(ShowRequest request) {
        return Renderer.show(request, new DaemonSnapshot("1.2.3", 3723, 42, false, List.of(alpha(), beta())), List.of(), 1500);
    }

    private CommandOutput status(String hash) {
        return Renderer.status(hash, false, new DaemonSnapshot("1.2.3", 3723, 42, false, List.of(alpha(), beta())));
    }

    private List<String> peerBlocks() {
        List<String> lines = Renderer.network(alpha());
        return lines.subList(lines.indexOf("Peers:") + 1, lines.size());
    }

    /** The network the peers are members of, as the engine reports it. */
    static NetworkSnapshot alpha() {
        NetworkInfo n = NETWORKS.get(0);
        return new NetworkSnapshot(n.hash(), n.interfaceName(), n.mac(), n.ip(), n.prefix(),
                "0c6b8e1c-1d5e-4b8e-9a3f-6f1d2c3b4a59", 7001, false,
                List.of("Bootstrap server 198.51.100.1:6881: answered 1 s ago, sees this node at 203.0.113.1:7001"),
                List.of("holepunch", "proxy"), List.of("198.18.1.1:6882/40001", "198.18.1.2:6882/40007"), peers());
    }

    /** A network with a discovery plugin's own lines and no peers, as a snapshot. */
    static NetworkSnapshot beta() {
        NetworkInfo n = NETWORKS.get(1);
        return new NetworkSnapshot(n.hash(), n.interfaceName(), n.mac(), n.ip(), n.prefix(),
                "7d7e1c2a-0000-4000-8000-000000000002", 7002, true,
                List.of("Bootstrap server 198.51.100.1:6881: answered 2 s ago, sees this node at 203.0.113.2:7002",
                        "NAT mapping: endpoint-independent (one public port for every destination)"),
                List.of(), List.of(), List.of());
    }

    // ---- the data: peers in every shape ----

    private static List<PeerSnapshot> peers() {
        PathSnapshot lanPath = path("192.168.1.20:7001", PathKind.LAN, 1234);
        PathSnapshot relayPath = new PathSnapshot("198.18.1.1:40002", PathKind.RELAY, "198.18.1.1:6882", 20_000);
        PathSnapshot v6 = path("[2001:db8:0:0:0:0:0:5]:7005", PathKind.DIRECT, 1235);
        PathSnapshot punched = path("203.0.113.8:42000", PathKind.PUNCHED, 5000);
        return List.of(
                new PeerSnapshot(ID1, PeerState.CONNECTED, "10.10.10.2", "06:5b:96:10:ce:78", "192.168.1.20:7001", lanPath,
                        List.of(lanPath, path("[fd00:0:0:0:0:0:0:20]:7001", PathKind.LAN, -1)),
                        List.of(own("192.168.1.20:7001"), own("[fd00:0:0:0:0:0:0:20]:7001"), mapped("203.0.113.9:40001")),
                        new PeerSnapshot.Attempts(3, 0, 0, 0),
                        List.of(event("2030-01-15T12:00:01.250Z",
                                "handshake to 192.168.1.20:7001, [fd00::20]:7001, 203.0.113.9:40001", 3),
                                event("2030-01-15T12:00:01.300Z", "connected via 192.168.1.20:7001 (lan)", 1)),
                        "noise-ikpsk2-mlkem768"),
                new PeerSnapshot(ID2, PeerState.CONNECTED, "10.10.10.3", null, "198.18.1.1:40002", relayPath,
                        List.of(relayPath, path("203.0.113.7:41000", PathKind.PUNCHED, -1)),
                        List.of(own("10.0.5.7:7000"), mapped("203.0.113.7:41000"), mapped("198.18.1.1:40002")),
                        new PeerSnapshot.Attempts(2, 5, 2, 1),
                        List.of(event("2030-01-14T23:59:58.001Z", "punch packets to 203.0.113.7:41000 (+3 predicted)", 5),
                                event("2030-01-14T23:59:59.999Z", "connected via 198.18.1.1:40002 (relay 198.18.1.1:6882)",
                                        1)), "noise-ikpsk2"),
                new PeerSnapshot(ID3, PeerState.WAITING_CONNECTION, null, null, null, null, List.of(),
                        List.of(own("198.51.100.9:7000")), new PeerSnapshot.Attempts(1, 0, 0, 0), List.of()),
                new PeerSnapshot(ID4, PeerState.CONNECTED, "10.10.10.5", "06:00:00:00:00:05", "[2001:db8:0:0:0:0:0:5]:7005", v6,
                        List.of(v6), List.of(own("[2001:db8:0:0:0:0:0:5]:7005")), new PeerSnapshot.Attempts(0, 0, 0, 0),
                        List.of(), "noise-ikpsk2"),
                new PeerSnapshot(ID5, PeerState.CONNECTED, "10.10.10.6", "06:00:00:00:00:06", "203.0.113.8:42000", punched,
                        List.of(punched), List.of(own("10.1.0.6:7000"), mapped("203.0.113.8:42000")),
                        new PeerSnapshot.Attempts(0, 0, 0, 0), List.of(), "noise-ikpsk2"),
                new PeerSnapshot(ID6, PeerState.DISCONNECTED, "10.10.10.7", "06:00:00:00:00:07", "192.168.1.30:7000", null,
                        List.of(path("192.168.1.30:7000", PathKind.LAN, 800)), List.of(own("192.168.1.30:7000")),
                        new PeerSnapshot.Attempts(0, 0, 0, 0),
                        List.of(event("2030-01-15T12:00:05Z", "disconnected: nothing for 30 s", 1))));
    }

    private static PathSnapshot path(String endpoint, PathKind kind, long rttMicros) {
        return new PathSnapshot(endpoint, kind, null, rttMicros);
    }

    private static PeerSnapshot.Candidate own(String endpoint) {
        return new PeerSnapshot.Candidate(endpoint, false);
    }

    private static PeerSnapshot.Candidate mapped(String endpoint) {
        return new PeerSnapshot.Candidate(endpoint, true);
    }

    private static HistoryEntry event(String at, String what, int times) {
        return new HistoryEntry(Instant.parse(at), what, times);
    }
}
