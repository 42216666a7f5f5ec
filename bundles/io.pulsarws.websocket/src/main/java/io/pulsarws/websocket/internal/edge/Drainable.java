package io.pulsarws.websocket.internal.edge;

/** An open connection a drain can ask to leave: a WebSocket, an event stream, a producer POST. */
public interface Drainable {
    /** The close reason of a drained connection (RFC 6455 code 1001, going away). */
    String REASON = "Node draining: reconnect to another node";

    /**
     * The close reason of a drained reader, followed by the id of the last message it was sent (a close reason
     * holds 123 bytes: this leaves 88 for the id).
     */
    String RESUME_REASON = "Node draining: reconnect with messageId=";

    /**
     * @param hint the last message id a reader was sent, or null
     * @return the close reason of a drained connection: with the hint when it fits the 123 bytes a close reason has
     */
    static String reason(String hint) {
        if (hint == null) {
            return REASON;
        }
        String withHint = RESUME_REASON + hint;
        return withHint.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 123 ? withHint : REASON;
    }

    /**
     * Finishes what the connection owes its client, then closes it with 1001 and {@link #REASON}; closes it
     * regardless once {@code finishMillis} have passed. Idempotent, never blocks.
     */
    void drain(long finishMillis);
}
