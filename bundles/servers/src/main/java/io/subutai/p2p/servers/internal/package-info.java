/**
 * The bootstrap ("DHT") server and the relay ("proxy") server. Inside a daemon each is a
 * component that runs while its configuration exists ({@link
 * io.subutai.p2p.servers.internal.BootstrapServerComponent}, {@link
 * io.subutai.p2p.servers.internal.RelayServerComponent}); {@code p2p dht-server} and {@code p2p
 * proxy-server} run the same classes on the launcher's class path, and the simulations feed them
 * datagrams without a socket. Nothing here is exported: other bundles speak to the servers only
 * over the wire ({@code io.subutai.p2p.wire.dht}, {@code io.subutai.p2p.wire.relay}).
 */
package io.subutai.p2p.servers.internal;
