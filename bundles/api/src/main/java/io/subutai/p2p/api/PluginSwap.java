package io.subutai.p2p.api;

import java.util.List;

/**
 * A plugin that was replaced, or went, or came, under running networks, and what it cost them.
 *
 * @param atMillis    when it happened (Unix time, milliseconds)
 * @param kind        {@code tap}, {@code socket}, {@code crypto} or {@code discovery}
 * @param name        the plugin's name ({@code linux}, {@code udp}, {@code noise-ikpsk2}, {@code lan}, ...)
 * @param from        the bundle and version that served before ({@code BSN VERSION}); empty when none did
 * @param to          the bundle and version that serves now; empty while none does
 * @param networks    the hashes of the networks it touched
 * @param gapMillis   how long the networks could not move traffic through this plugin (the TAP
 *                    unheld, the socket closed), in milliseconds; 0 when traffic never stopped
 *                    (a crypto suite: old sessions carry it until the new ones are made); -1
 *                    while it has not ended
 * @param outcome     how it ended, in words ({@code "taken over"}, {@code "waiting: ..."},
 *                    {@code "sessions renewed: 3 peers in 41 ms"}, ...)
 */
public record PluginSwap(long atMillis, String kind, String name, String from, String to, List<String> networks,
        long gapMillis, String outcome) {

    public PluginSwap {
        networks = List.copyOf(networks);
    }
}
