package io.subutai.p2p.api;

import java.util.Objects;

/**
 * What a command prints and how it exits: {@code out} goes to standard output, {@code err} to
 * standard error, and the client process exits with {@code code}.
 */
public record CommandOutput(int code, String out, String err) {

    public CommandOutput {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
    }

    public static CommandOutput ok(String out) {
        return new CommandOutput(0, out, "");
    }

    public static CommandOutput error(int code, String err) {
        return new CommandOutput(code, "", err);
    }
}
