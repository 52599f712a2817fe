package io.subutai.p2p.api;

import java.time.Instant;

/**
 * Something that happened with a peer lately (a handshake sent, a punch round, a connection, a
 * path change, a disconnection). The same event again right after is counted, not listed twice.
 *
 * @param at    when it happened (the last time, when {@code times} is more than 1)
 * @param what  what happened, in words
 * @param times how many times in a row
 */
public record HistoryEntry(Instant at, String what, int times) {
}
