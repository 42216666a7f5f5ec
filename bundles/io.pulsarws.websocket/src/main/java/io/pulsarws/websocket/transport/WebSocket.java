package io.pulsarws.websocket.transport;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/** One open WebSocket connection, as the transport lets the gateway use it. Thread-safe. */
@ProviderType
public interface WebSocket {
    /** @return true until the connection is closed */
    boolean isOpen();

    /** @return the client's address, for logs */
    String remoteAddress();

    /** Sets the connection's idle timeout. */
    void idleTimeout(long millis);

    /** @return the idle timeout in force */
    long idleTimeout();

    /**
     * Sends a text frame.
     *
     * @param more true when another frame follows at once: the transport may hold this one back to write both in
     *     one socket write; false flushes
     * @param written called once the frame was written, or failed to be (with the cause), on a container thread
     */
    void sendText(String text, boolean more, Written written);

    /** Sends a ping frame with this payload; failures are ignored. */
    void ping(ByteBuffer payload);

    /** Starts the closing handshake with this code and reason. */
    void close(int code, String reason);

    /** Drops the connection without a closing handshake. */
    void disconnect();

    /** Reads frames again after {@link WebSocketHandler#text} said to stop. */
    void resumeReading();

    /** The outcome of one {@link #sendText}. */
    @FunctionalInterface
    interface Written {
        /** @param failure null when written */
        void done(Throwable failure);
    }
}
