package io.subutai.p2p.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The daemon's configuration file (YAML, the original's keys: {@code iptool}, {@code taptool},
 * {@code inf_file}, {@code mtu}, {@code pmtu}; and {@code log}), with the daemon's flags laid over
 * it. Immutable.
 *
 * @param ipTool   path of the {@code ip} tool
 * @param mtu      MTU of new TAP interfaces
 * @param pmtu     whether PMTU emulation is on
 * @param logLevel the log level
 * @param tap      the name of the TAP driver to use ({@code linux}, {@code memory})
 * @param problems what was wrong with the file; the defaults were used for those keys
 */
public record DaemonConfig(String ipTool, int mtu, boolean pmtu, LogLevelName logLevel, String tap, List<String> problems) {

    public static final int DEFAULT_MTU = 1500;
    private static final Set<String> KNOWN = Set.of("iptool", "taptool", "inf_file", "mtu", "pmtu", "log", "tap");

    public DaemonConfig {
        problems = List.copyOf(problems);
    }

    public static DaemonConfig defaults() {
        return new DaemonConfig("", DEFAULT_MTU, false, LogLevelName.INFO, "linux", List.of());
    }

    /**
     * Reads {@code file} (a missing file is no error when {@code required} is false) and lays the
     * flags over it: {@code mtuFlag} when above 0, {@code pmtuFlag} when true, {@code logFlag}
     * when not empty.
     */
    public static DaemonConfig load(Path file, boolean required, int mtuFlag, boolean pmtuFlag, String logFlag) {
        return load(file, required, mtuFlag, pmtuFlag, logFlag, "");
    }

    /** As {@link #load(Path, boolean, int, boolean, String)}, with {@code tapFlag} (when not empty) over the file's {@code tap}. */
    public static DaemonConfig load(Path file, boolean required, int mtuFlag, boolean pmtuFlag, String logFlag,
            String tapFlag) {
        List<String> problems = new ArrayList<>();
        DaemonConfig d = defaults();
        String ipTool = d.ipTool;
        int mtu = d.mtu;
        boolean pmtu = d.pmtu;
        LogLevelName level = d.logLevel;
        String tap = d.tap;
        if (file != null) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                Map<String, Object> map = readFlatMap(bytes, file, problems);
                if (map != null) {
                    for (Map.Entry<String, Object> e : map.entrySet()) {
                        String key = String.valueOf(e.getKey());
                        Object v = e.getValue();
                        if (!KNOWN.contains(key)) {
                            problems.add(file + ": unknown key '" + key + "' ignored");
                            continue;
                        }
                        switch (key) {
                            case "iptool" -> ipTool = v == null ? ipTool : v.toString();
                            case "mtu" -> {
                                Integer m = v instanceof Number n ? Integer.valueOf(n.intValue()) : null;
                                if (m == null || m < 576 || m > 65535) {
                                    problems.add(file + ": mtu must be a number from 576 to 65535, not '" + v + "'");
                                } else {
                                    mtu = m;
                                }
                            }
                            case "pmtu" -> {
                                if (v instanceof Boolean b) {
                                    pmtu = b;
                                } else {
                                    problems.add(file + ": pmtu must be true or false, not '" + v + "'");
                                }
                            }
                            case "tap" -> {
                                if (v instanceof String t && t.matches("[a-z0-9-]+")) {
                                    tap = t;
                                } else {
                                    problems.add(file + ": tap must name a TAP driver (linux, memory), not '" + v + "'");
                                }
                            }
                            case "log" -> {
                                LogLevelName l = v == null ? null : LogLevelName.parse(v.toString());
                                if (l == null) {
                                    problems.add(file + ": unknown log level '" + v + "'");
                                } else {
                                    level = l;
                                }
                            }
                            default -> {
                                // taptool and inf_file are for the Windows driver
                            }
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                if (required) {
                    problems.add(file + ": no such file; using defaults");
                }
            } catch (IOException e) {
                problems.add(file + ": " + firstLine(e.getMessage()) + "; using defaults");
            }
        }
        if (mtuFlag > 0) {
            mtu = mtuFlag;
        }
        if (pmtuFlag) {
            pmtu = true;
        }
        if (logFlag != null && !logFlag.isEmpty()) {
            LogLevelName l = LogLevelName.parse(logFlag);
            if (l == null) {
                problems.add("unknown log level '" + logFlag + "' given with -log; keeping " + level.name().toLowerCase(Locale.ROOT));
            } else {
                level = l;
            }
        }
        if (tapFlag != null && !tapFlag.isBlank()) {
            tap = tapFlag.trim();
        }
        return new DaemonConfig(ipTool, mtu, pmtu, level, tap, problems);
    }

    /**
     * Reads a YAML mapping of keys to single values (no databind: a streaming parser).
     * Returns null, with a problem added, when the document is not such a mapping.
     */
    private static Map<String, Object> readFlatMap(byte[] bytes, Path file, List<String> out) throws IOException {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        List<String> problems = new ArrayList<>(); // reported only when the whole document parses
        try (JsonParser p = new YAMLFactory().createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return map;
            }
            if (t != JsonToken.START_OBJECT) {
                out.add(file + ": expected a map of keys, found " + t.asString());
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                switch (v) {
                    case VALUE_STRING -> map.put(key, p.getText());
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> map.put(key, p.getNumberValue());
                    case VALUE_TRUE -> map.put(key, Boolean.TRUE);
                    case VALUE_FALSE -> map.put(key, Boolean.FALSE);
                    case VALUE_NULL -> map.put(key, null);
                    default -> {
                        problems.add(file + ": '" + key + "' must be a single value");
                        p.skipChildren();
                    }
                }
            }
        }
        out.addAll(problems);
        return map;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
