package io.pulsarws.session;

import io.pulsarws.codec.EndpointPath;
import java.util.Map;

/**
 * What a WebSocket handshake asks for.
 *
 * @param path the parsed endpoint path
 * @param params the query parameters, first value of each
 * @param remoteAddress the client's address, for logs and statistics
 * @param identity the authenticated client, or null when the endpoint does not authenticate
 * @param oneBatch true for a producer session that serves one batch of frames and ends (an HTTP POST): its Pulsar
 *     producer may be taken from an earlier such session with the same client, role, topic and options, and kept
 *     for a later one. Only for requests none of whose frames sets a sequence id (the broker's deduplication knows
 *     a producer by its name, which a reused producer keeps).
 * @param traceparent the request's W3C {@code traceparent} header as sent, or null: a producer continues this
 *     trace in every message whose frame names none of its own
 * @param tracestate the request's {@code tracestate} header as sent, or null
 */
public record OpenRequest(
        EndpointPath path,
        Map<String, String> params,
        String remoteAddress,
        ClientIdentity identity,
        boolean oneBatch,
        String traceparent,
        String tracestate) {

    /** A request for a session that lives as long as its connection, with no trace context. */
    public OpenRequest(EndpointPath path, Map<String, String> params, String remoteAddress, ClientIdentity identity) {
        this(path, params, remoteAddress, identity, false, null, null);
    }

    /** A request from a client the endpoint did not authenticate. */
    public OpenRequest(EndpointPath path, Map<String, String> params, String remoteAddress) {
        this(path, params, remoteAddress, null, false, null, null);
    }
}
