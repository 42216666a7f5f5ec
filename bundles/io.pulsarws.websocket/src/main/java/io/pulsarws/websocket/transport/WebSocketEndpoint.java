package io.pulsarws.websocket.transport;

import java.io.IOException;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The gateway's WebSocket endpoints, under {@link #PATTERN}. The transport asks {@link #handshake} for every upgrade
 * request before it upgrades; a plain HTTP request to these paths never reaches it (the transport answers 405).
 *
 * <p>A handshake is decided in two steps, so that no container thread waits while the broker creates the session:
 * {@link #handshake} decides what it can at once and returns a {@link Pending}; once {@link Pending#decided()} has
 * completed, the transport calls {@link Pending#finish} on a container thread (the same one, when it completed at
 * once; otherwise after an asynchronous dispatch), which answers a refusal or hands over the {@link Upgrade}.
 */
@ConsumerType
public interface WebSocketEndpoint {
    /** The servlet pattern the endpoints are served under. */
    String PATTERN = "/ws/*";

    /**
     * Starts deciding a handshake: the origin, limits and authentication at once, then the session manager, which
     * completes later without holding the calling thread.
     *
     * @return the handshake being decided, or null when it was refused at once (the refusal is answered on {@code
     *     exchange})
     */
    Pending handshake(HttpExchange exchange) throws IOException;

    /** @return the largest text message accepted, in bytes, as configured now */
    int maxTextMessageBytes();

    /**
     * A handshake waiting for the session manager. The transport calls exactly one of {@link #finish} (once
     * {@link #decided()} completed) and {@link #abandon()} (the exchange ended first: the client went away, the
     * container timed it out, or it could not be dispatched); either may be called more than once, and only the first
     * call counts.
     */
    interface Pending {
        /** @return completes, on any thread and never exceptionally, once {@link #finish} can decide at once */
        CompletionStage<?> decided();

        /**
         * Decides, on a container thread, after {@link #decided()} completed.
         *
         * @param exchange the exchange being served now (after a dispatch, the container's new view of the request)
         * @return the accepted upgrade, or null when it was refused (answered on {@code exchange}) or abandoned
         */
        Upgrade finish(HttpExchange exchange) throws IOException;

        /** The exchange ended before {@link #finish}: what was or will be taken for it is given back. */
        void abandon();
    }

    /**
     * An accepted handshake, waiting for the transport's upgrade. The transport calls {@link #accept()} once for the
     * connection's handler (when it creates its socket, or when the socket opens), and {@link #abandon()} whenever the
     * exchange did not end in a {@code 101}, even after {@link #accept()}.
     */
    interface Upgrade {
        /** @return the subprotocol to answer in {@code Sec-WebSocket-Protocol}, or null */
        String subprotocol();

        /**
         * @return whether to accept {@code permessage-deflate} (RFC 7692) if the client offers it, without context
         *     takeover on either side (so that a connection holds no compression state between messages); false
         *     answers no extension at all
         * @since 2.1.0
         */
        default boolean permessageDeflate() {
            return false;
        }

        /** @return the connection's handler; called at most once */
        WebSocketHandler accept();

        /** The upgrade did not happen (the container refused the rest of the handshake): releases what was held. */
        void abandon();
    }
}
