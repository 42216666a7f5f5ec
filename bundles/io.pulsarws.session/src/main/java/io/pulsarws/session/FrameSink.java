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
     * Closes the socket with a close frame.
     *
     * @param code a valid RFC 6455 close code
     * @param reason a short reason
     */
    void close(int code, String reason);
}
