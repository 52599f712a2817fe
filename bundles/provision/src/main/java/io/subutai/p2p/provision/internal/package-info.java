/**
 * Feature repositories and their installation. The classes other than the two components ({@link
 * io.subutai.p2p.provision.internal.FeatureManager}, {@link
 * io.subutai.p2p.provision.internal.ServersOnDemand}) use nothing but the JDK and the OSGi
 * framework API, because the launcher runs them on its own class path to install the boot
 * features before any bundle is there; inside the framework the same code serves the {@link
 * io.subutai.p2p.api.FeatureService}.
 */
package io.subutai.p2p.provision.internal;
