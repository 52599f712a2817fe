package io.subutai.p2p.api;

/**
 * The flags of {@code p2p show}. Empty strings mean "not given". The branches are taken in the
 * original's order: hash, interfaces, mtu, the default list.
 *
 * @param hash       {@code -hash}: show the peers of this network
 * @param check      {@code -check} (alias {@code -ip}): with {@code hash}, is this overlay IP connected
 * @param interfaces {@code -interfaces}: list interface names
 * @param all        {@code -all}: with {@code interfaces}, include names no longer in use
 * @param bind       {@code -bind}: with {@code interfaces}, print {@code hash|interface}
 * @param mtu        {@code -mtu}: print the daemon's MTU
 * @param json       {@code -json}: the networks, or with {@code hash} that network and its peers, as
 *                   JSON (docs/control-api.md); it goes with neither {@code check}, {@code interfaces}
 *                   nor {@code mtu}
 */
public record ShowRequest(String hash, String check, boolean interfaces, boolean all, boolean bind, boolean mtu,
        boolean json) {

    public ShowRequest {
        hash = hash == null ? "" : hash;
        check = check == null ? "" : check;
    }

    /** The flags without {@code -json}. */
    public ShowRequest(String hash, String check, boolean interfaces, boolean all, boolean bind, boolean mtu) {
        this(hash, check, interfaces, all, bind, mtu, false);
    }

    /** Plain {@code p2p show}: the networks table. */
    public static ShowRequest networks() {
        return new ShowRequest("", "", false, false, false, false);
    }
}
