/**
 * The LAN beacon (docs/protocol.md §6), which LAN discovery multicasts and the engine recognises.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.wire.lan;
