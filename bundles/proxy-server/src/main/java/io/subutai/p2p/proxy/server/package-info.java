/**
 * The relay ("proxy") server, runnable on its own ({@code p2p proxy-server}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.proxy.server;
