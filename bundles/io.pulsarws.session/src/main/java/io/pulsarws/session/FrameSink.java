package io.pulsarws.session;

import org.osgi.annotation.versioning.ConsumerType;

/** The socket side of a gateway session, implemented by the endpoint. */
@ConsumerType
public interface FrameSink {

    /**
     * Sends a text frame without blocking; frames are written in the order of the calls.
     *
     * @param text the frame
     */
    void send(String text);

    /**
     * Sends a producer session's answer to one of its send frames. Answers come in the order the broker stores
     * messages, and a frame refused before it was sent is answered at once, possibly before earlier frames are; the
     * number says which frame it is. The default sends it as any other frame.
     *
     * @param frame which send frame this answers: 0 for the session's first, counting every frame handed to
     *     {@link GatewaySession#onText}
     * @param text the result frame
     * @since 2.2.0
     */
    default void sendResult(long frame, String text) {
        send(text);
    }

    /**
     * Closes the socket with a close frame.
     *
     * @param code a valid RFC 6455 close code
     * @param reason a short reason
     */
    void close(int code, String reason);

    /**
     * Stops reading the client's frames until {@link #resumeReading}: the frame being handled is the last one read,
     * and TCP then slows the client down. Calls do not nest: one resume ends any number of pauses.
     *
     * @since 1.4.0
     */
    default void pauseReading() {
        // a sink that cannot pause reads on
    }

    /**
     * Reads the client's frames again after {@link #pauseReading}; harmless when not paused.
     *
     * @since 1.4.0
     */
    default void resumeReading() {
        // nothing paused
    }

    /**
     * @return true while the frames queued for the client are within its budget; when false, the session should
     *     start no new work that ends in a frame (deliveries) until {@link GatewaySession#onWritable} is called
     * @since 1.4.0
     */
    default boolean writable() {
        return true;
    }
}
