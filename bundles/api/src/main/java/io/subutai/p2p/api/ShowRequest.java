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
 */
public record ShowRequest(String hash, String check, boolean interfaces, boolean all, boolean bind, boolean mtu) {

    public ShowRequest {
        hash = hash == null ? "" : hash;
        check = check == null ? "" : check;
    }

    /** Plain {@code p2p show}: the networks table. */
    public static ShowRequest networks() {
        return new ShowRequest("", "", false, false, false, false);
    }
}
