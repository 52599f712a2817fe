package io.subutai.p2p.launcher;

import java.util.function.Consumer;

import sun.misc.Signal;

/** SIGTERM and SIGINT end the daemon cleanly (the original died on SIGTERM: a defect). */
final class Signals {

    private Signals() {
    }

    /** Calls {@code action} with the signal's name ({@code terminated}, {@code interrupt}) on the signal's thread. */
    static void onTermination(Consumer<String> action) {
        Signal.handle(new Signal("TERM"), s -> action.accept("terminated"));
        Signal.handle(new Signal("INT"), s -> action.accept("interrupt"));
    }
}
