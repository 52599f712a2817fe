package io.subutai.p2p.provision.internal;

/**
 * A feature as a user or the state file names it: {@code name} or {@code name/version}.
 *
 * @param name    the feature's name
 * @param version a version, or empty for "the newest"
 */
public record FeatureId(String name, String version) {

    /** {@code name} or {@code name/version} (split at the last slash), trimmed. */
    public static FeatureId parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        int slash = s.lastIndexOf('/');
        return slash < 0 ? new FeatureId(s, "") : new FeatureId(s.substring(0, slash).trim(), s.substring(slash + 1).trim());
    }

    @Override
    public String toString() {
        return version.isEmpty() ? name : name + "/" + version;
    }
}
