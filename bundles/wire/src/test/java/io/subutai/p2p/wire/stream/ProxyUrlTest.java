package io.subutai.p2p.wire.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** {@code -proxy} and {@code HTTPS_PROXY} as a user writes them. */
class ProxyUrlTest {

    @Test
    void httpAndSocks5WithAndWithoutCredentials() {
        assertEquals(new ProxyUrl("http", "proxy.corp", 3128, null, null), ProxyUrl.parse("http://proxy.corp:3128"));
        assertEquals(new ProxyUrl("http", "10.0.0.1", 80, null, null), ProxyUrl.parse("http://10.0.0.1/"));
        assertEquals(new ProxyUrl("socks5", "127.0.0.1", 1080, "me", "p@ss:w"),
                ProxyUrl.parse("socks5://me:p%40ss%3Aw@127.0.0.1"));
        assertEquals(new ProxyUrl("socks5", "::1", 9050, null, null), ProxyUrl.parse("socks5h://[::1]:9050"));
        assertEquals("http://u:***@h:8080", ProxyUrl.parse("http://u:secret@h:8080").toString(), "no password in logs");
        assertNull(ProxyUrl.parse("http://h:1").user());
    }

    @Test
    void whatIsNotAProxySaysWhyWithoutThePassword() {
        assertEquals("'proxy.corp:3128' is not http://HOST:PORT or socks5://HOST:PORT",
                assertThrows(IllegalArgumentException.class, () -> ProxyUrl.parse("proxy.corp:3128")).getMessage());
        assertEquals("the proxy scheme https:// is neither http nor socks5",
                assertThrows(IllegalArgumentException.class, () -> ProxyUrl.parse("https://h:443")).getMessage());
        String m = assertThrows(IllegalArgumentException.class, () -> ProxyUrl.parse("http://u:secret@h:99999")).getMessage();
        assertEquals("'http://u:***@h:99999': the port is not 1 to 65535", m);
        assertThrows(IllegalArgumentException.class, () -> ProxyUrl.parse("http://h:80/path"));
        assertEquals("'http://u:***@h:80/path': a proxy URL has no path", assertThrows(IllegalArgumentException.class,
                () -> ProxyUrl.parse("http://u:pa/ss@w@h:80/path")).getMessage(), "a password with / and @ is not shown either");
        assertThrows(IllegalArgumentException.class, () -> ProxyUrl.parse("http://:80"));
    }

    /** Any text after the credentials: a proxy or an IllegalArgumentException, and never the password in the message. */
    @FuzzTest(maxDuration = "10m")
    void anyTextIsAProxyOrAClearError(String text) {
        String password = "SECRET/WO@RD";
        try {
            ProxyUrl p = ProxyUrl.parse("http://user:" + password + "@" + text);
            if (p.port() < 1 || p.port() > 65535 || p.host().isEmpty()) {
                throw new AssertionError(p.toString());
            }
            assertFalse(p.toString().contains(password) && !text.contains(password), p.toString());
        } catch (IllegalArgumentException e) {
            // the message may quote the text after the credentials, never more of the password than that holds
            assertFalse(occurrences(e.getMessage(), "SECRET") > occurrences(text, "SECRET"), e.getMessage());
        }
    }

    private static int occurrences(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
