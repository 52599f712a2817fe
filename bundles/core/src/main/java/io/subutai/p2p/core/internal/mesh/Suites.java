package io.subutai.p2p.core.internal.mesh;

import java.util.ArrayList;
import java.util.List;

import io.subutai.p2p.spi.CryptoSuite;

/**
 * The crypto suites this node has now, best first, shared by every network of the daemon: the
 * engine {@linkplain #set sets} them as suites come, go or are replaced, and each handshake picks
 * from what is there at that moment (docs/protocol.md §3.1). A network may accept one suite
 * only ({@code start -crypto pq}).
 */
public final class Suites {

    /** The classic suite: Noise IKpsk2 over X25519. */
    public static final String CLASSIC = "noise-ikpsk2";
    /** The hybrid post-quantum suite: X25519 and ML-KEM-768. */
    public static final String PQ = "noise-ikpsk2-mlkem768";

    /** A suite that is here: its name (the service property), its number on the wire, the plugin. */
    public record Suite(String name, int id, CryptoSuite impl) {
    }

    private volatile List<Suite> all = List.of();

    /** A set of suites fixed at these (tests, simulations). */
    public static Suites of(Suite... suites) {
        Suites s = new Suites();
        s.set(List.of(suites));
        return s;
    }

    /** The classic suite alone, as most simulations run. */
    public static Suites classic(CryptoSuite impl) {
        return of(new Suite(CLASSIC, impl.wireId(), impl));
    }

    /** The suites there now, best first. */
    public void set(List<Suite> bestFirst) {
        all = List.copyOf(bestFirst);
    }

    public List<Suite> all() {
        return all;
    }

    /** The suites a network accepts: all, or the one it asks for ({@code required}, null: any). */
    public List<Suite> allowed(String required) {
        if (required == null) {
            return all;
        }
        List<Suite> out = new ArrayList<>(1);
        for (Suite s : all) {
            if (s.name().equals(required)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The suite with this number on the wire, if this node has it; null otherwise. */
    public Suite byId(int id) {
        for (Suite s : all) {
            if (s.id() == id) {
                return s;
            }
        }
        return null;
    }

    /** The name of the suite with this number, whether this node has it or not (for messages). */
    public static String name(int id) {
        return switch (id) {
            case 1 -> CLASSIC;
            case 2 -> PQ;
            default -> "suite " + id;
        };
    }

    /** Suite names of these numbers, for messages: {@code "noise-ikpsk2, noise-ikpsk2-mlkem768"}. */
    public static String names(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(name(id));
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** The numbers of the suites a network accepts, best first. */
    public int[] ids(String required) {
        List<Suite> a = allowed(required);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).id();
        }
        return out;
    }
}
