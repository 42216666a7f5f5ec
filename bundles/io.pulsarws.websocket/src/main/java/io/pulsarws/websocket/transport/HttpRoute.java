package io.pulsarws.websocket.transport;

import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A plain HTTP path the gateway serves. Registered as a service with the properties below; the transport registers
 * one servlet per route with the container and hands it every request.
 */
@ConsumerType
public interface HttpRoute {
    /** Service property: the servlet's name (String). */
    String NAME = "pulsarws.route.name";
    /** Service property: the servlet patterns (String or String[]), e.g. {@code /metrics} or {@code /http/*}. */
    String PATTERN = "pulsarws.route.pattern";
    /** Service property: true if the route uses {@link HttpExchange#startAsync()} (Boolean). */
    String ASYNC = "pulsarws.route.async";

    /** Serves one request; called on a container thread. */
    void serve(HttpExchange exchange) throws IOException;
}
