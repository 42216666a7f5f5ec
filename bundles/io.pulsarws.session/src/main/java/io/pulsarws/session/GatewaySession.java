package io.pulsarws.session;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One WebSocket session's Pulsar side. The endpoint calls {@link #start} once the socket is open,
 * {@link #onText} for each client frame, and {@link #close} when the socket is gone; none of them blocks.
 */
@ProviderType
public interface GatewaySession {

    /**
     * The socket is open: from now on the session may send frames to it.
     *
     * @param sink the socket
     */
    void start(FrameSink sink);

    /**
     * Handles one text frame from the client.
     *
     * @param text the frame
     */
    void onText(String text);

    /**
     * Handles one text frame from the client, as the bytes it came in. The endpoint has checked that they are UTF-8;
     * the session may keep the array. The default reads them as text.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @since 2.1.0
     */
    default void onText(byte[] utf8, int offset, int length) {
        onText(new String(utf8, offset, length, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The socket is closed or failed: release the Pulsar producer or consumer. Idempotent. */
    void close();

    /**
     * The client has read enough of what was queued for it that {@link FrameSink#writable} is true again: the
     * session may start new work. Called on a thread of the endpoint's, never while a frame is being handled.
     *
     * @since 1.4.0
     */
    default void onWritable() {
        // a session that never waits for the client ignores it
    }

    /**
     * The node is being drained: the session starts nothing new for its client (no new deliveries; a producer
     * stops its client from being read, through {@link FrameSink#pauseReading}) and completes once it owes the
     * client nothing: every send frame it acted on has its result handed to the sink (a frame read after that is
     * neither sent nor answered), every message it delivered is acknowledged or negatively acknowledged. A client
     * may never ack: the endpoint bounds the wait and closes regardless. Idempotent.
     *
     * @return completes, on any thread, with where the client was, for the close reason: a reader's last delivered
     *     message id (to reconnect with {@code messageId=} and go on after it), or null
     * @since 2.4.0
     */
    default java.util.concurrent.CompletableFuture<String> drain() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
}
