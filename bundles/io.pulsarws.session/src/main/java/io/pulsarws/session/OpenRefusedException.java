package io.pulsarws.session;

/** A handshake the gateway refuses, with the HTTP status to answer before any upgrade. */
public class OpenRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status the HTTP status: 400, 404, 409, 429, 500, 503 or 504
     * @param reason a short reason for the client, never a stack trace
     */
    public OpenRefusedException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }
}
