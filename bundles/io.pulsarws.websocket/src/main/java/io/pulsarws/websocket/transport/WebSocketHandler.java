package io.pulsarws.websocket.transport;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What the transport calls for one WebSocket connection, on the container's threads, one call at a time. The
 * transport hands over raw frames (no text is made of them), answers ping, pong and close frames itself, and reads
 * the next frame only when {@link #text} says so or, after it did not, once {@link WebSocket#resumeReading()} is
 * called.
 */
@ConsumerType
public interface WebSocketHandler {
    /** The connection is open. */
    void open(WebSocket socket);

    /**
     * A text or continuation frame's payload; the buffer is valid during the call only.
     *
     * @return true to read on; false to stop reading after this frame until {@link WebSocket#resumeReading()}
     */
    boolean text(ByteBuffer payload, boolean fin);

    /** A binary frame arrived. */
    void binary();

    /** The connection closed, with the close code and reason received or decided. */
    void closed(int code, String reason);

    /** The container failed the connection; {@link #closed} may not follow. */
    void failed(Failure failure, Throwable cause);

    /** Why the container failed a connection. */
    enum Failure {
        /** No traffic within the idle timeout. */
        IDLE_TIMEOUT,
        /** A text message that is not UTF-8. */
        BAD_PAYLOAD,
        /** A message or frame over the container's limits. */
        TOO_LARGE,
        /** A WebSocket protocol violation. */
        PROTOCOL,
        /** Anything else (the connection broke). */
        OTHER
    }
}
