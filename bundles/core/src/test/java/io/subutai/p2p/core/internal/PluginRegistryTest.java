package io.subutai.p2p.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PluginRegistryTest {

    interface Greeter {
        String greet();
    }

    private final List<String> failures = new ArrayList<>();
    private final PluginRegistry<Greeter> registry = new PluginRegistry<>("greeter", "p2p.greeter", "rank",
            (kind, name, op, e) -> failures.add(kind + "/" + name + "/" + op + "/" + e.getMessage()));

    @Test
    void pluginAddedAtRuntimeIsSeenAndRemovedOneIsForgotten() {
        Greeter a = () -> "a";
        Greeter b = () -> "b";
        registry.add(a, Map.of("p2p.greeter", "alpha", "service.id", 1L));
        assertEquals(List.of("alpha"), names());
        registry.add(b, Map.of("p2p.greeter", "beta", "service.id", 2L));
        assertEquals(List.of("alpha", "beta"), names());
        assertEquals("b", registry.named("beta").orElseThrow().service().greet());

        assertTrue(registry.remove(a).isPresent());
        assertEquals(List.of("beta"), names());
        assertTrue(registry.named("alpha").isEmpty());
        assertTrue(registry.remove(a).isEmpty(), "removing twice finds nothing");
    }

    @Test
    void higherRankComesFirstThenOlderService() {
        registry.add(() -> "x", Map.of("p2p.greeter", "low", "service.id", 1L));
        registry.add(() -> "y", Map.of("p2p.greeter", "high", "rank", 10, "service.id", 2L));
        registry.add(() -> "z", Map.of("p2p.greeter", "low2", "service.id", 3L));
        assertEquals(List.of("high", "low", "low2"), names());
    }

    @Test
    void unnamedPluginIsNamedByItsClass() {
        registry.add(new Greeter() {
            @Override
            public String greet() {
                return "";
            }
        }, Map.of());
        assertEquals(1, registry.snapshot().size());
        assertTrue(!registry.snapshot().get(0).name().isEmpty());
    }

    @Test
    void throwingPluginIsIsolatedAndCounted() {
        registry.add(() -> {
            throw new IllegalStateException("boom");
        }, Map.of("p2p.greeter", "broken", "rank", 5));
        registry.add(() -> {
            throw new NoClassDefFoundError("gone");
        }, Map.of("p2p.greeter", "linkage", "rank", 4));
        registry.add(() -> "ok", Map.of("p2p.greeter", "good"));

        List<String> greetings = new ArrayList<>();
        registry.forEach("greet", g -> greetings.add(g.greet()));
        assertEquals(List.of("ok"), greetings, "the good plugin still answered");
        assertEquals(List.of("greeter/broken/greet/boom", "greeter/linkage/greet/gone"), failures);

        PluginRegistry.Plugin<Greeter> broken = registry.named("broken").orElseThrow();
        assertTrue(registry.call(broken, "greet", Greeter::greet).isEmpty());
        assertEquals(2, broken.failures());
        assertEquals("ok", registry.call(registry.named("good").orElseThrow(), "greet", Greeter::greet).orElseThrow());
    }

    @Test
    void listenersHearAddAndRemoveAndAThrowingListenerIsIsolated() {
        List<String> heard = new ArrayList<>();
        registry.addListener(new PluginRegistry.Listener<>() {
            @Override
            public void added(PluginRegistry.Plugin<Greeter> p) {
                throw new IllegalStateException("listener broke");
            }

            @Override
            public void removed(PluginRegistry.Plugin<Greeter> p) {
                throw new IllegalStateException("listener broke");
            }
        });
        registry.addListener(new PluginRegistry.Listener<>() {
            @Override
            public void added(PluginRegistry.Plugin<Greeter> p) {
                heard.add("+" + p.name());
            }

            @Override
            public void removed(PluginRegistry.Plugin<Greeter> p) {
                heard.add("-" + p.name());
            }
        });
        Greeter g = () -> "g";
        registry.add(g, Map.of("p2p.greeter", "g"));
        registry.remove(g);
        assertEquals(List.of("+g", "-g"), heard);
        assertEquals(2, failures.size());
        assertTrue(registry.snapshot().isEmpty());
    }

    @Test
    void snapshotIsStableWhilePluginsChange() {
        Greeter a = () -> "a";
        registry.add(a, Map.of("p2p.greeter", "a"));
        List<PluginRegistry.Plugin<Greeter>> snap = registry.snapshot();
        registry.add(() -> "b", Map.of("p2p.greeter", "b"));
        registry.remove(a);
        assertEquals(1, snap.size());
        assertEquals("a", snap.get(0).name());
    }

    private List<String> names() {
        List<String> out = new ArrayList<>();
        for (PluginRegistry.Plugin<Greeter> p : registry.snapshot()) {
            out.add(p.name());
        }
        return out;
    }
}
