/**
 * The bootstrap protocol's messages (docs/protocol.md §7), shared by the bootstrap server and its client.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.0.0")
package io.subutai.p2p.wire.dht;
