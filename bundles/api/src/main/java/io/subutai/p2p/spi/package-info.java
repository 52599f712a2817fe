/**
 * What plugins implement: {@link io.subutai.p2p.spi.TapDriver}, {@link io.subutai.p2p.spi.Transport},
 * {@link io.subutai.p2p.spi.DiscoveryProvider}, {@link io.subutai.p2p.spi.CryptoSuite} and {@link
 * io.subutai.p2p.spi.Streams}, with the
 * service-property constants next to each interface. Every implementation is an OSGi service that
 * may come and go at any time; the engine binds them dynamically.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("6.4.0")
package io.subutai.p2p.spi;
