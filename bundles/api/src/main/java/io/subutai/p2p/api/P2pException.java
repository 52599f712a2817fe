package io.subutai.p2p.api;

/**
 * A failure the user can act on: its message says what went wrong and what to do, and
 * {@link #code()} is the exit code a client ends with.
 */
public class P2pException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int code;

    public P2pException(int code, String message) {
        super(message);
        this.code = code;
    }

    public P2pException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public P2pException(String message) {
        this(1, message);
    }

    public int code() {
        return code;
    }
}
