package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class PeerSnapshotsTest {

    @Test
    void aHistoryTimeOfDayIsDatedTheLatestDayItCanBe() {
        Instant now = Instant.parse("2030-01-15T12:30:00Z");
        assertEquals(Instant.parse("2030-01-15T12:00:01.250Z"), PeerSnapshots.dated("12:00:01.250", now));
        assertEquals(Instant.parse("2030-01-14T23:59:59.999Z"), PeerSnapshots.dated("23:59:59.999", now), "yesterday");
        assertEquals(Instant.parse("2030-01-14T12:31:00.001Z"), PeerSnapshots.dated("12:31:00.001", now),
                "more than a minute ahead: a day ago");
        assertEquals(Instant.parse("2030-01-15T12:30:00.020Z"), PeerSnapshots.dated("12:30:00.020", now),
                "noted while the snapshot was taken");
        assertEquals(Instant.parse("2030-01-16T00:00:00.005Z"),
                PeerSnapshots.dated("00:00:00.005", Instant.parse("2030-01-15T23:59:59.990Z")), "across midnight");
    }
}
