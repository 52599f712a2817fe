package io.subutai.p2p.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A member that passes itself off as another inside the overlay gets none of its traffic (the
 * threat review's H8), end to end: three members on a LAN, the third gives its TAP the first's
 * MAC and sends through it; the second's pings to the first still reach the first.
 */
class ImpersonationProcessTest {

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeAll
    static void needs() {
        Lab.needs("ImpersonationProcessTest", "ping");
    }

    @Test
    void aMemberSendingFromAnotherMembersMacDoesNotGetItsTraffic() throws Exception {
        List<Netns> lan = lab.lan(3);
        for (int i = 1; i <= 3; i++) {
            TestDaemon d = lab.daemon(lan.get(i - 1), i);
            Lab.ok(d.p2p("start", "-ip", "10.72.0." + i + "/24", "-hash", "Impersonation-Test-7fQ2", "-key",
                    "kR4vN8xT2mL6pW9zQ3bY7cH5jD1sF0gA", "-dev", "imp" + i), "start " + i);
        }
        for (int i = 2; i <= 3; i++) {
            int from = i;
            Await.require(() -> Lab.pings(lan.get(from - 1), "10.72.0.1"), Duration.ofSeconds(20),
                    () -> "member " + from + " never reached the first");
        }
        String macOfFirst = new ObjectMapper().readTree(lan.get(0).ip("-j", "link", "show", "imp1")).get(0)
                .get("address").asText();

        // the third member sends as the first: its TAP takes the first's MAC, and it talks to the second
        lan.get(2).ip("link", "set", "dev", "imp3", "address", macOfFirst);
        Netns.exec(lan.get(2).wrap(List.of("ping", "-c", "5", "-i", "0.05", "-W", "0.3", "10.72.0.2")));

        // the second's traffic for the first still goes to the first
        Netns.Result r = Netns.exec(lan.get(1).wrap(List.of("ping", "-c", "10", "-i", "0.05", "-W", "1", "10.72.0.1")));
        assertTrue(r.out().contains(" 0% packet loss"), "the second still reaches the first:\n" + r.out());
    }
}
