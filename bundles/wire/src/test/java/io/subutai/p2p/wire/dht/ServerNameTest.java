package io.subutai.p2p.wire.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bootstrap servers as {@code -dht} names them (docs/protocol.md §7.4, §10). */
class ServerNameTest {

    private static final String KEY = "ab".repeat(32);

    @Test
    void udpServersAsBefore() {
        ServerName s = ServerName.parse(" 203.0.113.5:6881@" + KEY);
        assertFalse(s.stream());
        assertEquals("203.0.113.5:6881", s.name());
        assertEquals("203.0.113.5:6881@" + KEY, s.toString());
        assertNull(ServerName.parse("[2001:db8::1]:6881").key());
    }

    @Test
    void streamUrlsTakeDefaultsAndKeepTheirKey() {
        ServerName wss = ServerName.parse("wss://dht.example.org@" + KEY);
        assertTrue(wss.stream());
        assertEquals("wss://dht.example.org:443/p2p", wss.name());
        assertEquals("dht.example.org:443", wss.hostPort());
        assertEquals("wss://dht.example.org:443/p2p@" + KEY, wss.toString());
        assertEquals("ws://10.0.0.1:80/p2p", ServerName.parse("ws://10.0.0.1").name());
        assertEquals("wss://[2001:db8::1]:8443/relay/p2p", ServerName.parse("WSS://[2001:db8::1]:8443/relay/p2p").name());
        assertEquals("tcp://10.0.0.1:443", ServerName.parse("tcp://10.0.0.1:443").name());
        assertEquals(wss, ServerName.parse(wss.toString()), "what the save file keeps reads back the same");
    }

    @Test
    void badNamesSayWhy() {
        assertEquals("'quic://h:443': the scheme quic:// is none of wss, ws, tls, tcp",
                assertThrows(IllegalArgumentException.class, () -> ServerName.parse("quic://h:443")).getMessage());
        assertEquals("'tcp://h': give the port (tcp://HOST:PORT)",
                assertThrows(IllegalArgumentException.class, () -> ServerName.parse("tcp://h")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerName.parse("tls://h:443/p2p"));
        assertThrows(IllegalArgumentException.class, () -> ServerName.parse("wss://h:70000"));
        assertThrows(IllegalArgumentException.class, () -> ServerName.parse("wss://h/a b"));
        assertThrows(IllegalArgumentException.class, () -> ServerName.parse("wss://h@abc"));
        assertThrows(IllegalArgumentException.class, () -> ServerName.parse("h"));
    }
}
