package io.pulsarws.websocket.transport;

import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The gateway's WebSocket endpoints, under {@link #PATTERN}. The transport asks {@link #handshake} for every upgrade
 * request before it upgrades; a plain HTTP request to these paths never reaches it (the transport answers 405).
 */
@ConsumerType
public interface WebSocketEndpoint {
    /** The servlet pattern the endpoints are served under. */
    String PATTERN = "/ws/*";

    /**
     * Decides a handshake: the origin, limits, authentication and the session manager, in that order.
     *
     * @return the accepted upgrade, or null when it was refused (the refusal is answered on {@code exchange})
     */
    Upgrade handshake(HttpExchange exchange) throws IOException;

    /** @return the largest text message accepted, in bytes, as configured now */
    int maxTextMessageBytes();

    /**
     * An accepted handshake, waiting for the transport's upgrade. The transport calls {@link #accept()} once for the
     * connection's handler (when it creates its socket, or when the socket opens), and {@link #abandon()} whenever the
     * exchange did not end in a {@code 101}, even after {@link #accept()}.
     */
    interface Upgrade {
        /** @return the subprotocol to answer in {@code Sec-WebSocket-Protocol}, or null */
        String subprotocol();

        /** @return the connection's handler; called at most once */
        WebSocketHandler accept();

        /** The upgrade did not happen (the container refused the rest of the handshake): releases what was held. */
        void abandon();
    }
}
