/**
 * Log lines as syslog messages (RFC 5424 over UDP, RFC 5426), for {@code -syslog HOST:PORT}: what the
 * launcher and the daemon's log console share.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.wire.syslog;
