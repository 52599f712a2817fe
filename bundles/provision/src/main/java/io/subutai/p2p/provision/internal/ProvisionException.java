package io.subutai.p2p.provision.internal;

/** Provisioning failed; the message says what and where, for the user. */
public class ProvisionException extends Exception {

    private static final long serialVersionUID = 1L;

    public ProvisionException(String message) {
        super(message);
    }

    public ProvisionException(String message, Throwable cause) {
        super(message, cause);
    }
}
