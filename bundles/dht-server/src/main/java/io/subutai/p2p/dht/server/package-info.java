/**
 * The bootstrap ("DHT") server, runnable on its own ({@code p2p dht-server}) or as a component.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.subutai.p2p.dht.server;
