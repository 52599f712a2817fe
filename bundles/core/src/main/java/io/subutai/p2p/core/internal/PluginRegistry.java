package io.subutai.p2p.core.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The plugins of one SPI that are registered now, best ranked first. Plugins come and go at any
 * time (dynamic, greedy DS references feed {@link #add} and {@link #remove}); readers always work
 * on an immutable snapshot. Every call into a plugin goes through {@link #call} or
 * {@link #forEach}, which catch {@link RuntimeException} and {@link LinkageError}, report them with
 * the plugin's name and carry on with the others: one broken plugin never takes the engine down.
 *
 * @param <T> the SPI type
 */
public final class PluginRegistry<T> {

    /** Property (not a service property: added by the engine) naming the bundle that registered a plugin. */
    public static final String ORIGIN = "p2p.origin";

    /** Told when a plugin call fails. */
    @FunctionalInterface
    public interface FailureReporter {
        void failed(String kind, String plugin, String operation, Throwable failure);
    }

    /** Told when plugins come and go; calls are isolated like plugin calls. */
    public interface Listener<T> {
        void added(Plugin<T> plugin);

        void removed(Plugin<T> plugin);
    }

    /** One registered plugin. */
    public static final class Plugin<T> {
        private final T service;
        private final String name;
        private final int ranking;
        private final long serviceId;
        private final String origin;
        private final AtomicInteger failures = new AtomicInteger();

        Plugin(T service, String name, int ranking, long serviceId, String origin) {
            this.service = service;
            this.name = name;
            this.ranking = ranking;
            this.serviceId = serviceId;
            this.origin = origin;
        }

        public T service() {
            return service;
        }

        public String name() {
            return name;
        }

        public int ranking() {
            return ranking;
        }

        /** The bundle that registered it, or empty when unknown. */
        public String origin() {
            return origin;
        }

        /** How many calls into it have failed. */
        public int failures() {
            return failures.get();
        }

        @Override
        public String toString() {
            return name + "(" + service.getClass().getName() + ")";
        }
    }

    private static final Comparator<Plugin<?>> ORDER =
            Comparator.<Plugin<?>>comparingInt(p -> -p.ranking).thenComparingLong(p -> p.serviceId);

    // immutable
    private final String kind;
    private final String nameProperty;
    private final String rankingProperty;
    private final FailureReporter reporter;
    private final List<Listener<T>> listeners = new CopyOnWriteArrayList<>();

    // guarded by this; readers take the volatile snapshot without the lock
    private volatile List<Plugin<T>> plugins = List.of();

    /**
     * @param kind            the SPI's short name for messages, e.g. {@code transport}
     * @param nameProperty    the service property that names a plugin, e.g. {@code p2p.transport}
     * @param rankingProperty the service property that ranks plugins (Integer); higher first
     */
    public PluginRegistry(String kind, String nameProperty, String rankingProperty, FailureReporter reporter) {
        this.kind = kind;
        this.nameProperty = nameProperty;
        this.rankingProperty = rankingProperty;
        this.reporter = reporter;
    }

    public String kind() {
        return kind;
    }

    /** Registers a plugin with its service properties and tells the listeners. */
    public Plugin<T> add(T service, Map<String, ?> properties) {
        Object nameValue = properties.get(nameProperty);
        String name = nameValue == null ? service.getClass().getName() : String.valueOf(nameValue);
        int ranking = toInt(properties.get(rankingProperty));
        long id = properties.get("service.id") instanceof Number n ? n.longValue() : Long.MAX_VALUE;
        Object bundle = properties.get(ORIGIN);
        Plugin<T> plugin = new Plugin<>(service, name, ranking, id, bundle == null ? "" : bundle.toString());
        synchronized (this) {
            List<Plugin<T>> next = new ArrayList<>(plugins);
            next.add(plugin);
            next.sort(ORDER);
            plugins = List.copyOf(next);
        }
        for (Listener<T> l : listeners) {
            isolated(plugin, "added", () -> l.added(plugin));
        }
        return plugin;
    }

    /** Forgets a plugin (by identity) and tells the listeners; unknown plugins are ignored. */
    public Optional<Plugin<T>> remove(T service) {
        Plugin<T> gone = null;
        synchronized (this) {
            List<Plugin<T>> next = new ArrayList<>(plugins.size());
            for (Plugin<T> p : plugins) {
                if (gone == null && p.service == service) {
                    gone = p;
                } else {
                    next.add(p);
                }
            }
            if (gone == null) {
                return Optional.empty();
            }
            plugins = List.copyOf(next);
        }
        Plugin<T> removed = gone;
        for (Listener<T> l : listeners) {
            isolated(removed, "removed", () -> l.removed(removed));
        }
        return Optional.of(removed);
    }

    /** The plugins now, best ranked first. */
    public List<Plugin<T>> snapshot() {
        return plugins;
    }

    /** The best ranked plugin with that name. */
    public Optional<Plugin<T>> named(String name) {
        for (Plugin<T> p : plugins) {
            if (p.name.equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public void addListener(Listener<T> listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener<T> listener) {
        listeners.remove(listener);
    }

    /**
     * Calls one plugin; a failure is reported, counted, and comes back as an empty result.
     */
    public <R> Optional<R> call(Plugin<T> plugin, String operation, Function<? super T, ? extends R> fn) {
        try {
            return Optional.ofNullable(fn.apply(plugin.service));
        } catch (RuntimeException | LinkageError e) {
            fail(plugin, operation, e);
            return Optional.empty();
        }
    }

    /** Calls every plugin in rank order; one that fails is reported and skipped. */
    public void forEach(String operation, Consumer<? super T> action) {
        for (Plugin<T> p : plugins) {
            isolated(p, operation, () -> action.accept(p.service));
        }
    }

    private void isolated(Plugin<T> plugin, String operation, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | LinkageError e) {
            fail(plugin, operation, e);
        }
    }

    private void fail(Plugin<T> plugin, String operation, Throwable e) {
        plugin.failures.incrementAndGet();
        try {
            reporter.failed(kind, plugin.name, operation, e);
        } catch (RuntimeException ignored) {
            // a broken reporter must not turn an isolated failure into a crash
        }
    }

    private static int toInt(Object o) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        if (o instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }
}
