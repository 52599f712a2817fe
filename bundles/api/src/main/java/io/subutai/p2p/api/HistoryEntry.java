package io.subutai.p2p.api;

import java.time.Instant;

/**
 * One line of a peer's recent history.
 *
 * @param at    when it happened last (the wall clock)
 * @param what  what happened, in words
 * @param times how often in a row
 */
public record HistoryEntry(Instant at, String what, int times) {
}
