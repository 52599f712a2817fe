package io.subutai.p2p.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class CommandTest {

    @Test
    void everyFormOfAFlagWithAValue() throws Exception {
        for (List<String> argv : List.of(List.of("-hash", "h1"), List.of("-hash=h1"), List.of("--hash", "h1"),
                List.of("--hash=h1"))) {
            assertEquals("h1", Commands.START.parse(argv).string("hash"), argv.toString());
        }
        assertEquals("a=b", Commands.START.parse(List.of("-key=a=b")).string("key"), "only the first = splits");
        assertEquals("-x", Commands.START.parse(List.of("-hash", "-x")).string("hash"), "a value may start with a dash");
    }

    @Test
    void booleanFlagsTakeNoValueUnlessAttached() throws Exception {
        Parsed p = Commands.SHOW.parse(List.of("-interfaces", "--all", "-bind=false"));
        assertTrue(p.bool("interfaces"));
        assertTrue(p.bool("all"));
        assertFalse(p.bool("bind"));
        assertTrue(p.has("bind"));
        assertFalse(p.bool("mtu"));
        UsageException e = assertThrows(UsageException.class, () -> Commands.SHOW.parse(List.of("-mtu=perhaps")));
        assertEquals("invalid boolean value \"perhaps\" for -mtu", e.getMessage());
    }

    @Test
    void aliasesNameTheSameFlag() throws Exception {
        assertEquals("123", Commands.START.parse(List.of("-until", "123")).string("ttl"));
        assertEquals("10.0.0.2", Commands.SHOW.parse(List.of("-hash", "h", "-ip", "10.0.0.2")).string("check"));
        assertEquals("10.0.0.2", Commands.SHOW.parse(List.of("-check=10.0.0.2")).string("check"));
    }

    @Test
    void aRepeatableFlagKeepsEveryValue() throws Exception {
        Parsed p = Commands.DHT_SERVER.parse(List.of("-relay", "10.0.0.1:6882", "-relay=10.0.0.2:6882", "-state", "/tmp/d"));
        assertEquals("10.0.0.1:6882,10.0.0.2:6882", p.string("relay"));
        assertEquals("/tmp/d", p.string("state"));
        assertEquals("/tmp/p", Commands.PROXY_SERVER.parse(List.of("-state", "/tmp/p")).string("state"));
    }

    @Test
    void integersAreChecked() throws Exception {
        assertEquals(6000, Commands.SHOW.parse(List.of("-rpc-port", "6000")).integer("rpc-port", 52523));
        assertEquals(52523, Commands.SHOW.parse(List.of()).integer("rpc-port", 52523));
        UsageException e = assertThrows(UsageException.class, () -> Commands.SHOW.parse(List.of("-rpc-port", "lots")));
        assertEquals("invalid value \"lots\" for flag -rpc-port: not a whole number", e.getMessage());
    }

    @Test
    void unknownAndIncompleteFlagsAreErrors() {
        assertEquals("flag provided but not defined: -x",
                assertThrows(UsageException.class, () -> Commands.SHOW.parse(List.of("-x"))).getMessage());
        assertEquals("flag provided but not defined: -colour",
                assertThrows(UsageException.class, () -> Commands.SHOW.parse(List.of("--colour=red"))).getMessage());
        assertEquals("flag needs an argument: -hash",
                assertThrows(UsageException.class, () -> Commands.START.parse(List.of("-hash"))).getMessage());
        assertEquals("bad flag syntax: ---hash",
                assertThrows(UsageException.class, () -> Commands.START.parse(List.of("---hash", "h"))).getMessage());
    }

    @Test
    void flagsEndAtTheFirstArgumentOrDoubleDash() throws Exception {
        Parsed p = Commands.SHELL.parse(List.of("-rpc-port", "7", "lb -s"));
        assertEquals(7, p.integer("rpc-port", 0));
        assertEquals(List.of("lb -s"), p.args());
        assertEquals(List.of("-rpc-port"), Commands.SHELL.parse(List.of("--", "-rpc-port")).args());
        assertEquals(List.of("daemon"), Commands.HELP.parse(List.of("daemon")).args());
        UsageException e = assertThrows(UsageException.class, () -> Commands.SHOW.parse(List.of("-hash", "h", "extra")));
        assertEquals("unexpected argument: extra (show takes flags only)", e.getMessage());
        assertThrows(UsageException.class, () -> Commands.SHELL.parse(List.of("a", "b")));
    }

    @Test
    void showStatusAndDebugTakeJson() throws Exception {
        assertTrue(Commands.SHOW.parse(List.of("-hash", "h", "-json")).bool("json"));
        assertTrue(Commands.STATUS.parse(List.of("--json")).bool("json"));
        assertTrue(Commands.DEBUG.parse(List.of("-json")).bool("json"));
        assertFalse(Commands.DEBUG.parse(List.of()).bool("json"));
        assertThrows(UsageException.class, () -> Commands.START.parse(List.of("-json")), "start has no -json");
    }

    @Test
    void everyCommandOfTheReferenceHasHelpWithItsFlags() {
        for (String name : List.of("daemon", "start", "stop", "show", "status", "set", "debug", "version", "help", "shell")) {
            Command c = Commands.named(name);
            String help = c.help();
            assertTrue(help.startsWith("NAME:\n   p2p " + name + " - "), help);
            for (Flag f : c.flags()) {
                assertTrue(help.contains("-" + f.name()), name + " help names -" + f.name());
            }
        }
        assertTrue(Commands.START.help().contains("-ttl, -until TIMESTAMP"));
        assertTrue(Commands.SHOW.help().contains("-check, -ip IP"));
        assertEquals(Commands.HELP, Commands.named("h"));
    }
}
