/** Prometheus metrics over HTTP: the endpoint the daemon and the standalone servers serve with {@code -metrics}. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.metrics;
