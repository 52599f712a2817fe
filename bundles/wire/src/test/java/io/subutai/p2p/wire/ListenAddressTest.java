package io.subutai.p2p.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

class ListenAddressTest {

    @Test
    void aPortAloneIsTheLoopbackAnEmptyHostEveryAddress() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9586), ListenAddress.parse("9586"));
        assertTrue(ListenAddress.parse(":9586").getAddress().isAnyLocalAddress());
        assertEquals(new InetSocketAddress("10.1.2.3", 80), ListenAddress.parse(" 10.1.2.3:80 "));
        assertEquals("[0:0:0:0:0:0:0:1]:9586", ListenAddress.text(ListenAddress.parse("[::1]:9586")), "IPv6 in brackets");
        assertEquals("10.1.2.3:80", ListenAddress.text(ListenAddress.parse("10.1.2.3:80")));
    }

    @Test
    void whatIsNotAnAddressAndAPortIsRefusedInWords() {
        for (String bad : new String[] {"", "0", "65536", "x", "host.example:80", "10.1.2.3:", "10.1.2.3:http", "[::1]",
                "999.1.1.1:80", "localhost:80"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("'" + bad + "'"), e.getMessage());
        }
    }
}
