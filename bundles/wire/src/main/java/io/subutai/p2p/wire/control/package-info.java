/**
 * What the p2p client and the daemon's control API share of their local protocol
 * (docs/control-api.md): the magic of its header lines and the token proofs of its TCP form.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.wire.control;
