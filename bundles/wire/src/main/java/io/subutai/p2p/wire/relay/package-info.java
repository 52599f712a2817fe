/**
 * The relay protocol's control messages (docs/protocol.md §8), shared by the relay server and its client.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.subutai.p2p.wire.relay;
