package io.subutai.p2p.api;

/**
 * A plugin the engine knows: a TAP driver, transport, discovery provider or crypto suite.
 *
 * @param kind      {@code tap}, {@code transport}, {@code discovery} or {@code crypto}
 * @param name      the plugin's name (its {@code p2p.*} service property)
 * @param ranking   its rank among plugins of its kind; higher is preferred
 * @param origin    the bundle that provides it
 * @param available whether it can work on this host
 * @param reason    why it cannot, when it cannot
 * @param failures  how many calls into it failed since it was registered
 */
public record PluginInfo(String kind, String name, int ranking, String origin, boolean available,
        String reason, int failures) {
}
