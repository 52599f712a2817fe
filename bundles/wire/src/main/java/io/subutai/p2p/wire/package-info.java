/**
 * The wire protocol of docs/protocol.md, version 4, as members and servers share it: the 4-byte
 * {@link io.subutai.p2p.wire.Header}, the one table of {@link io.subutai.p2p.wire.MessageType}s,
 * and the {@link io.subutai.p2p.wire.Punch} message. The codecs of the bootstrap, relay and LAN
 * beacon messages are in the sub-packages.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package io.subutai.p2p.wire;
