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
}
