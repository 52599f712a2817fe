/**
 * What clients of the p2p engine call: the {@link io.subutai.p2p.api.NetworkService}, the
 * {@link io.subutai.p2p.api.FeatureService}, and the value types and DTOs they exchange. The
 * control API, the Gogo commands and the tests all speak this package.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.9.0")
package io.subutai.p2p.api;
