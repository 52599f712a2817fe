package io.subutai.p2p.spi;

/**
 * Whether a plugin can work on this host.
 *
 * @param available true when it can
 * @param reason    why it cannot (empty when it can), fit to show a user
 */
public record Availability(boolean available, String reason) {

    private static final Availability AVAILABLE = new Availability(true, "");

    public static Availability yes() {
        return AVAILABLE;
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }
}
