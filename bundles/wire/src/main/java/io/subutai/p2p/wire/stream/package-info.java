/**
 * Datagrams over streams (docs/protocol.md §10): what a server's TCP port is being spoken to with,
 * and the framing of datagrams on a plain stream. Shared by the servers and the stream transport.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.wire.stream;
